import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { mapPage, Page } from '@labwire/core';
import { Actor, InvitationNotFoundError, InvitationService, WorkspaceMembership } from '@labwire/domain';
import { pageRequest } from '../common/dto/page-query.dto';
import { ApiPageResponse } from '../common/dto/page.dto';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { CurrentActor } from '../common/workspaces/current-actor.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { CreateInvitationDto, InvitationDto, ListInvitationsQueryDto } from './dto/invitation.dto';

const invitationIdPipe = new ResourceIdPipe((id) => new InvitationNotFoundError(id));

/** Invitations into a workspace: owners only. The answers never say whether an address has an account. */
@ApiTags('workspace invitations')
@ApiProblems(401, 403)
@WorkspaceScoped()
@RequireWorkspaceRole('owner')
@Controller('workspaces/:workspaceId/invitations')
export class WorkspaceInvitationsController {
  constructor(private readonly invitations: InvitationService) {}

  @Get()
  @ApiOperation({ summary: 'List the invitations of a workspace (owners)' })
  @ApiPageResponse(InvitationDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() query: ListInvitationsQueryDto,
  ): Promise<Page<InvitationDto>> {
    const page = await this.invitations.list(membership, query.status, pageRequest(query));
    return mapPage(page, (v) => InvitationDto.from(v));
  }

  @Post()
  @ApiOperation({
    summary: 'Invite an address with a role (owners); it is mailed',
    description:
      'Someone with an account sees it in GET /users/me/invitations; someone without gets a link that ' +
      'registers them into the workspace. A pending invitation of the same address is renewed (role, link, ' +
      'expiry). The answer is the same whether or not the address has an account; 409 MEMBER_EXISTS when ' +
      'it belongs to a member.',
  })
  @ApiCreatedResponse({ type: InvitationDto })
  @ApiProblems(400, 409)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Body() body: CreateInvitationDto,
    @CurrentActor() actor: Actor,
  ): Promise<InvitationDto> {
    return InvitationDto.from(await this.invitations.invite(membership, body.email, body.role ?? 'viewer', actor));
  }

  @Get(':invitationId')
  @ApiParam({ name: 'invitationId', type: String, format: 'uuid' })
  @ApiOperation({ summary: 'Get an invitation (owners)' })
  @ApiOkResponse({ type: InvitationDto })
  @ApiProblems(404)
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('invitationId', invitationIdPipe) id: string,
  ): Promise<InvitationDto> {
    return InvitationDto.from(await this.invitations.get(membership, id));
  }

  @Post(':invitationId/resend')
  @HttpCode(200)
  @ApiParam({ name: 'invitationId', type: String, format: 'uuid' })
  @ApiOperation({
    summary: 'Mail a pending (or expired) invitation again with a new link and expiry; the old link stops working',
  })
  @ApiOkResponse({ type: InvitationDto })
  @ApiProblems(404, 409)
  async resend(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('invitationId', invitationIdPipe) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<InvitationDto> {
    return InvitationDto.from(await this.invitations.resend(membership, id, actor));
  }

  @Post(':invitationId/revoke')
  @HttpCode(200)
  @ApiParam({ name: 'invitationId', type: String, format: 'uuid' })
  @ApiOperation({ summary: 'Revoke a pending invitation: its link stops working' })
  @ApiOkResponse({ type: InvitationDto })
  @ApiProblems(404, 409)
  async revoke(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('invitationId', invitationIdPipe) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<InvitationDto> {
    return InvitationDto.from(await this.invitations.revoke(membership, id, actor));
  }
}
