import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { mapPage, Page, parseSort } from '@labwire/core';
import { Actor, Principal, WORKSPACE_SORT_FIELDS, WorkspaceMembership, WorkspaceService } from '@labwire/domain';
import { CurrentPrincipal } from '../common/auth/auth.decorators';
import { pageRequest } from '../common/dto/page-query.dto';
import { ApiPageResponse } from '../common/dto/page.dto';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { CurrentActor } from '../common/workspaces/current-actor.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { CreateWorkspaceDto } from './dto/create-workspace.dto';
import { ListWorkspacesQueryDto } from './dto/list-workspaces-query.dto';
import { UpdateWorkspaceDto } from './dto/update-workspace.dto';
import { WorkspaceDto } from './dto/workspace.dto';

/** Workspaces the caller belongs to. Anyone signed in may create one and becomes its owner. */
@ApiTags('workspaces')
@ApiProblems(401)
@Controller('workspaces')
export class WorkspacesController {
  constructor(private readonly workspaces: WorkspaceService) {}

  @Get()
  @ApiOperation({ summary: 'List the workspaces you are a member of, with your role' })
  @ApiPageResponse(WorkspaceDto)
  @ApiProblems(400)
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListWorkspacesQueryDto,
  ): Promise<Page<WorkspaceDto>> {
    const sort = parseSort(query.sort, WORKSPACE_SORT_FIELDS, [{ field: 'name', direction: 'ASC' }]);
    const page = await this.workspaces.listMine(principal.userId, { q: query.q }, pageRequest(query), sort);
    return mapPage(page, (w) => WorkspaceDto.from(w));
  }

  @Post()
  @ApiOperation({ summary: 'Create a workspace; you become its owner' })
  @ApiCreatedResponse({ type: WorkspaceDto })
  @ApiProblems(400)
  async create(@Body() body: CreateWorkspaceDto, @CurrentActor() actor: Actor): Promise<WorkspaceDto> {
    return WorkspaceDto.from(await this.workspaces.create(body, actor));
  }

  @Get(':workspaceId')
  @WorkspaceScoped()
  @RequireWorkspaceRole('viewer')
  @ApiOperation({ summary: 'Get a workspace' })
  @ApiOkResponse({ type: WorkspaceDto })
  async get(@CurrentMembership() membership: WorkspaceMembership): Promise<WorkspaceDto> {
    return WorkspaceDto.from(await this.workspaces.get(membership));
  }

  @Patch(':workspaceId')
  @WorkspaceScoped()
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Rename or re-describe a workspace (editors and owners); telemetryRetentionDays: owners only',
  })
  @ApiOkResponse({ type: WorkspaceDto })
  @ApiProblems(400, 403)
  async update(
    @CurrentMembership() membership: WorkspaceMembership,
    @Body() body: UpdateWorkspaceDto,
    @CurrentActor() actor: Actor,
  ): Promise<WorkspaceDto> {
    return WorkspaceDto.from(await this.workspaces.update(membership, body, actor));
  }

  @Delete(':workspaceId')
  @HttpCode(204)
  @WorkspaceScoped()
  @RequireWorkspaceRole('owner')
  @ApiOperation({ summary: 'Delete a workspace and everything in it (owners only)' })
  @ApiNoContentResponse()
  @ApiProblems(403)
  async remove(@CurrentMembership() membership: WorkspaceMembership, @CurrentActor() actor: Actor): Promise<void> {
    await this.workspaces.remove(membership, actor);
  }
}
