import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { mapPage, Page, parseSort } from '@labwire/core';
import {
  Actor,
  InvitationService,
  MEMBER_SORT_FIELDS,
  MemberNotFoundError,
  WorkspaceMemberService,
  WorkspaceMembership,
} from '@labwire/domain';
import { PageQueryDto, pageRequest } from '../common/dto/page-query.dto';
import { ApiPageResponse } from '../common/dto/page.dto';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { CurrentActor } from '../common/workspaces/current-actor.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { AddMemberDto } from './dto/add-member.dto';
import { InvitationDto } from './dto/invitation.dto';
import { MemberDto } from './dto/member.dto';
import { UpdateMemberDto } from './dto/update-member.dto';

const userIdPipe = new ResourceIdPipe((id) => new MemberNotFoundError(id));

/** Members of a workspace. Owners manage them; any member may leave (remove themself). */
@ApiTags('workspace members')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/members')
export class WorkspaceMembersController {
  constructor(
    private readonly members: WorkspaceMemberService,
    private readonly invitations: InvitationService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List the members of a workspace' })
  @ApiPageResponse(MemberDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() query: PageQueryDto,
  ): Promise<Page<MemberDto>> {
    const sort = parseSort(query.sort, MEMBER_SORT_FIELDS, [{ field: 'createdAt', direction: 'ASC' }]);
    const page = await this.members.list(membership.workspaceId, pageRequest(query), sort);
    return mapPage(page, (m) => MemberDto.from(m));
  }

  @Post()
  @HttpCode(202)
  @RequireWorkspaceRole('owner')
  @ApiOperation({
    summary: 'Invite someone by email with a role (owners only): they join once they accept',
    description:
      'The same as POST …/invitations: answers 202 with the invitation whether or not the address has an ' +
      'account (an account is never added without its consent); 409 MEMBER_EXISTS for a member.',
  })
  @ApiAcceptedResponse({ type: InvitationDto })
  @ApiProblems(400, 403, 409)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Body() body: AddMemberDto,
    @CurrentActor() actor: Actor,
  ): Promise<InvitationDto> {
    return InvitationDto.from(await this.invitations.invite(membership, body.email, body.role ?? 'viewer', actor));
  }

  @Patch(':userId')
  @ApiParam({ name: 'userId', type: String, format: 'uuid' })
  @RequireWorkspaceRole('owner')
  @ApiOperation({ summary: "Change a member's role (owners only); the last owner cannot be demoted" })
  @ApiOkResponse({ type: MemberDto })
  @ApiProblems(400, 403, 409)
  async update(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('userId', userIdPipe) userId: string,
    @Body() body: UpdateMemberDto,
    @CurrentActor() actor: Actor,
  ): Promise<MemberDto> {
    return MemberDto.from(await this.members.changeRole(membership, userId, body.role, actor));
  }

  @Delete(':userId')
  @ApiParam({ name: 'userId', type: String, format: 'uuid' })
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove a member (owners), or leave the workspace (your own user id)',
    description: 'The last owner can neither leave nor be removed (409 LAST_OWNER).',
  })
  @ApiNoContentResponse()
  @ApiProblems(403, 409)
  async remove(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('userId', userIdPipe) userId: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.members.remove(membership, userId, actor);
  }
}
