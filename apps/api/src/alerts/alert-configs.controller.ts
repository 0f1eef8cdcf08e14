import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { mapPage, Page } from '@labwire/core';
import {
  Actor,
  alertActorOf,
  AlertConfigNotFoundError,
  AlertConfigService,
  WorkspaceMembership,
} from '@labwire/domain';
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
import { AlertConfigDto } from './dto/alert-config.dto';
import { AlertConfigInputDto, CreateAlertConfigDto } from './dto/alert-config-input.dto';

const configIdPipe = new ResourceIdPipe((id) => new AlertConfigNotFoundError(id));

/** Alert configs of a workspace; viewers read, editors write. */
@ApiTags('alerts')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/alert-configs')
export class AlertConfigsController {
  constructor(private readonly configs: AlertConfigService) {}

  @Get()
  @ApiOperation({ summary: 'List alert configs, by key' })
  @ApiPageResponse(AlertConfigDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() query: PageQueryDto,
  ): Promise<Page<AlertConfigDto>> {
    return mapPage(await this.configs.list(membership.workspaceId, pageRequest(query)), (c) => AlertConfigDto.from(c));
  }

  @Post()
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Create an alert config',
    description: 'Durations (autoResolveAfter, escalateAfter) are whole seconds. A key already used is a 409.',
  })
  @ApiCreatedResponse({ type: AlertConfigDto })
  @ApiProblems(400, 403, 409)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Body() body: CreateAlertConfigDto,
    @CurrentActor() actor: Actor,
  ): Promise<AlertConfigDto> {
    const { key, ...input } = body;
    return AlertConfigDto.from(
      await this.configs.create(membership.workspaceId, key, input as never, alertActorOf(actor)),
    );
  }

  @Get(':configId')
  @ApiParam({ name: 'configId', type: String, format: 'uuid' })
  @ApiOperation({ summary: 'Get an alert config' })
  @ApiOkResponse({ type: AlertConfigDto })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('configId', configIdPipe) id: string,
  ): Promise<AlertConfigDto> {
    return AlertConfigDto.from(await this.configs.get(membership.workspaceId, id));
  }

  @Patch(':configId')
  @RequireWorkspaceRole('editor')
  @ApiParam({ name: 'configId', type: String, format: 'uuid' })
  @ApiOperation({
    summary: 'Change an alert config (only the fields sent; the key never changes)',
  })
  @ApiOkResponse({ type: AlertConfigDto })
  @ApiProblems(400, 403)
  async update(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('configId', configIdPipe) id: string,
    @Body() body: AlertConfigInputDto,
    @CurrentActor() actor: Actor,
  ): Promise<AlertConfigDto> {
    return AlertConfigDto.from(
      await this.configs.update(membership.workspaceId, id, body as never, alertActorOf(actor)),
    );
  }

  @Delete(':configId')
  @HttpCode(204)
  @RequireWorkspaceRole('editor')
  @ApiParam({ name: 'configId', type: String, format: 'uuid' })
  @ApiOperation({
    summary: 'Delete an alert config',
    description: 'Its alerts and history stay; a later trigger of the key creates a config with the defaults.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(403)
  async delete(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('configId', configIdPipe) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.configs.delete(membership.workspaceId, id, alertActorOf(actor));
  }
}
