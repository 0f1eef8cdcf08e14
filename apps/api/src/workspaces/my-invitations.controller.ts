import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Actor, InvitationNotFoundError, InvitationService, Principal } from '@labwire/domain';
import { CurrentPrincipal } from '../common/auth/auth.decorators';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { CurrentActor } from '../common/workspaces/current-actor.decorator';
import { InvitationDto } from './dto/invitation.dto';

const invitationIdPipe = new ResourceIdPipe((id) => new InvitationNotFoundError(id));

/** The caller's own invitations (to their address): listed, accepted, declined. */
@ApiTags('me')
@ApiProblems(401)
@Controller('users/me/invitations')
export class MyInvitationsController {
  constructor(private readonly invitations: InvitationService) {}

  @Get()
  @ApiOperation({ summary: "The open (pending, unexpired) invitations to the caller's email address" })
  @ApiOkResponse({ type: [InvitationDto] })
  async list(@CurrentPrincipal() principal: Principal): Promise<InvitationDto[]> {
    return (await this.invitations.listMine(principal.userId)).map((v) => InvitationDto.from(v));
  }

  @Post(':invitationId/accept')
  @HttpCode(200)
  @ApiParam({ name: 'invitationId', type: String, format: 'uuid' })
  @ApiOperation({
    summary: 'Accept an invitation: the caller joins the workspace with its role',
    description:
      '404 for an invitation that is not to the caller; 409 INVITATION_NOT_PENDING once answered, revoked or expired.',
  })
  @ApiOkResponse({ type: InvitationDto })
  @ApiProblems(404, 409)
  async accept(
    @CurrentPrincipal() principal: Principal,
    @Param('invitationId', invitationIdPipe) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<InvitationDto> {
    return InvitationDto.from(await this.invitations.accept(principal.userId, id, actor));
  }

  @Post(':invitationId/decline')
  @HttpCode(200)
  @ApiParam({ name: 'invitationId', type: String, format: 'uuid' })
  @ApiOperation({ summary: 'Decline an invitation' })
  @ApiOkResponse({ type: InvitationDto })
  @ApiProblems(404, 409)
  async decline(
    @CurrentPrincipal() principal: Principal,
    @Param('invitationId', invitationIdPipe) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<InvitationDto> {
    return InvitationDto.from(await this.invitations.decline(principal.userId, id, actor));
  }
}
