import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { mapPage, Page, parseSort } from '@labwire/core';
import {
  Actor,
  ALERT_RULE_SORT_FIELDS,
  AlertRuleInput,
  AlertRuleNotFoundError,
  AlertRuleService,
  WorkspaceMembership,
} from '@labwire/domain';
import { pageRequest } from '../common/dto/page-query.dto';
import { ApiPageResponse } from '../common/dto/page.dto';
import { ETAG_RESPONSE_HEADER, parseIfMatch, versionETag } from '../common/http/etag';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { CurrentActor } from '../common/workspaces/current-actor.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { AlertRuleDto, AlertRuleStateDto } from './dto/alert-rule.dto';
import { CreateAlertRuleDto } from './dto/create-alert-rule.dto';
import { ListAlertRulesQueryDto } from './dto/list-alert-rules-query.dto';
import { UpdateAlertRuleDto } from './dto/update-alert-rule.dto';

const ruleIdPipe = new ResourceIdPipe((id) => new AlertRuleNotFoundError(id));

/** Alert rules on telemetry (threshold, no-data, connectivity); viewers read, editors write. */
@ApiTags('alert-rules')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/alert-rules')
export class AlertRulesController {
  constructor(private readonly rules: AlertRuleService) {}

  @Get()
  @ApiOperation({ summary: 'List alert rules (sort: name, createdAt, updatedAt)' })
  @ApiPageResponse(AlertRuleDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() query: ListAlertRulesQueryDto,
  ): Promise<Page<AlertRuleDto>> {
    const sort = parseSort(query.sort, ALERT_RULE_SORT_FIELDS, [{ field: 'name', direction: 'ASC' }]);
    const page = await this.rules.list(
      membership.workspaceId,
      { kind: query.kind, instrumentId: query.instrumentId, alertKey: query.alertKey, enabled: query.enabled },
      pageRequest(query),
      sort,
    );
    return mapPage(page, (r) => AlertRuleDto.from(r));
  }

  @Post()
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Create an alert rule; a scope matching no instrument is refused (400 ALERT_RULE_SCOPE_EMPTY)',
  })
  @ApiCreatedResponse({ type: AlertRuleDto, headers: ETAG_RESPONSE_HEADER })
  @ApiProblems(400, 403)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Body() body: CreateAlertRuleDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AlertRuleDto> {
    const rule = await this.rules.create(membership, body as AlertRuleInput, actor);
    reply.header('etag', versionETag(rule.version));
    return AlertRuleDto.from(rule);
  }

  @Get(':ruleId')
  @ApiParam({ name: 'ruleId', type: String, format: 'uuid' })
  @ApiOperation({ summary: 'Get an alert rule' })
  @ApiOkResponse({ type: AlertRuleDto, headers: ETAG_RESPONSE_HEADER })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('ruleId', ruleIdPipe) ruleId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AlertRuleDto> {
    const rule = await this.rules.get(membership.workspaceId, ruleId);
    reply.header('etag', versionETag(rule.version));
    return AlertRuleDto.from(rule);
  }

  @Get(':ruleId/states')
  @ApiParam({ name: 'ruleId', type: String, format: 'uuid' })
  @ApiOperation({
    summary: "The rule's evaluation state per instrument: pending, firing, suppressed firings",
  })
  @ApiOkResponse({ type: AlertRuleStateDto, isArray: true })
  async states(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('ruleId', ruleIdPipe) ruleId: string,
  ): Promise<AlertRuleStateDto[]> {
    return (await this.rules.states(membership.workspaceId, ruleId)).map((s) => AlertRuleStateDto.from(s));
  }

  @Patch(':ruleId')
  @ApiParam({ name: 'ruleId', type: String, format: 'uuid' })
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Update an alert rule (merged, then checked whole); send If-Match with its ETag to refuse stale writes',
  })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag you read; 412 if it changed since' })
  @ApiOkResponse({ type: AlertRuleDto, headers: ETAG_RESPONSE_HEADER })
  @ApiProblems(400, 403, 412)
  async update(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('ruleId', ruleIdPipe) ruleId: string,
    @Body() body: UpdateAlertRuleDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AlertRuleDto> {
    const rule = await this.rules.update(
      membership,
      ruleId,
      body as Partial<AlertRuleInput>,
      parseIfMatch(ifMatch),
      actor,
    );
    reply.header('etag', versionETag(rule.version));
    return AlertRuleDto.from(rule);
  }

  @Delete(':ruleId')
  @ApiParam({ name: 'ruleId', type: String, format: 'uuid' })
  @HttpCode(204)
  @RequireWorkspaceRole('editor')
  @ApiOperation({ summary: 'Delete an alert rule (its open alerts stay open)' })
  @ApiNoContentResponse()
  @ApiProblems(403)
  async remove(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('ruleId', ruleIdPipe) ruleId: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.rules.remove(membership, ruleId, actor);
  }
}
