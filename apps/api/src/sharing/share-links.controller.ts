import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { mapPage, Page } from '@labwire/core';
import { Actor, ShareLinkNotFoundError, ShareLinkService, WorkspaceMembership } from '@labwire/domain';
import { pageRequest, PageQueryDto } from '../common/dto/page-query.dto';
import { ApiPageResponse } from '../common/dto/page.dto';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { CurrentActor } from '../common/workspaces/current-actor.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { CreateShareLinkDto } from './dto/create-share-link.dto';
import { CreatedShareLinkDto, ShareLinkDto } from './dto/share-link.dto';

const linkIdPipe = new ResourceIdPipe((id) => new ShareLinkNotFoundError(id));
const LINK_ID = { name: 'shareLinkId', type: String, format: 'uuid' } as const;

/** Links that let anyone holding their token read (or import) a workspace, a data source, a scheme or a job. */
@ApiTags('share-links')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/share-links')
export class ShareLinksController {
  constructor(private readonly links: ShareLinkService) {}

  @Post()
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Create a share link (its token is in this answer only)',
    description:
      'kind workspace (owners only), datasource (with its records), classification_scheme or classification_job ' +
      '(with its results); permission view or import; expiresAt at most 90 days ahead; maxUses counts requests.',
  })
  @ApiCreatedResponse({ type: CreatedShareLinkDto })
  @ApiProblems(400, 403)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Body() body: CreateShareLinkDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedShareLinkDto> {
    const { link, token } = await this.links.create(
      membership,
      {
        kind: body.kind,
        targetId: body.targetId,
        permission: body.permission,
        expiresAt: new Date(body.expiresAt),
        maxUses: body.maxUses,
      },
      actor,
    );
    reply.header('location', `/api/v1/workspaces/${link.workspaceId}/share-links/${link.id}`);
    return { ...ShareLinkDto.from(link), token, url: `/api/v1/shared/${token}` };
  }

  @Get()
  @ApiOperation({ summary: 'List share links, newest first (no tokens)' })
  @ApiPageResponse(ShareLinkDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() query: PageQueryDto,
  ): Promise<Page<ShareLinkDto>> {
    return mapPage(await this.links.list(membership.workspaceId, pageRequest(query)), (l) => ShareLinkDto.from(l));
  }

  @Get(':shareLinkId')
  @ApiParam(LINK_ID)
  @ApiOperation({ summary: 'Get a share link: status, uses' })
  @ApiOkResponse({ type: ShareLinkDto })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('shareLinkId', linkIdPipe) id: string,
  ): Promise<ShareLinkDto> {
    return ShareLinkDto.from(await this.links.get(membership.workspaceId, id));
  }

  @Delete(':shareLinkId')
  @ApiParam(LINK_ID)
  @HttpCode(200)
  @RequireWorkspaceRole('editor')
  @ApiOperation({ summary: 'Revoke a share link: its token answers 404 from now on' })
  @ApiOkResponse({ type: ShareLinkDto })
  @ApiProblems(403)
  async revoke(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('shareLinkId', linkIdPipe) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<ShareLinkDto> {
    return ShareLinkDto.from(await this.links.revoke(membership, id, actor));
  }
}
