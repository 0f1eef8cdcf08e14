import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig, mapPage, Page } from '@labwire/core';
import {
  Actor,
  alertActorOf,
  AlertDisplayService,
  ALERT_KEY_PATTERN,
  alertEventsChannel,
  AlertHistoryService,
  AlertNotFoundError,
  AlertsService,
  AlertStatsService,
  WorkspaceMembership,
} from '@labwire/domain';
import { pageRequest } from '../common/dto/page-query.dto';
import { ApiPageResponse } from '../common/dto/page.dto';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { ApiSseResponse } from '../common/sse/api-sse-response.decorator';
import { SseService } from '../common/sse/sse.service';
import { CurrentActor } from '../common/workspaces/current-actor.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { sendAlertHistoryCsv } from './alert-history-csv';
import { AcknowledgeAlertDto, ClearAlertDto, TriggerAlertDto } from './dto/alert-actions.dto';
import { AlertHistoryEntryDto } from './dto/alert-history-entry.dto';
import { AlertStatsDto, AlertStatsQueryDto } from './dto/alert-stats.dto';
import { AlertDto, ClearResultDto, TriggerResultDto } from './dto/alert.dto';
import { CurrentAlertDto, CurrentAlertQueryDto } from './dto/current-alert.dto';
import { ListAlertHistoryQueryDto, ListAlertsQueryDto } from './dto/list-alerts-query.dto';

const alertIdPipe = new ResourceIdPipe((id) => new AlertNotFoundError(id));
const KEY_PARAM = {
  name: 'key',
  type: String,
  example: 'freezer-temp-high',
  pattern: ALERT_KEY_PATTERN.source,
  description:
    'The alert key: a slug (lowercase letters and digits, with ".", "_" or "-" inside, at most 100 characters)',
} as const;
const date = (v?: string) => (v ? new Date(v) : undefined);
const historyFilter = (q: ListAlertHistoryQueryDto) => ({
  key: q.key,
  instrumentId: q.instrumentId,
  alertId: q.alertId,
  actions: q.action,
  actorKind: q.actorKind,
  from: date(q.from),
  to: date(q.to),
});

/** Alerts of a workspace: trigger, clear, acknowledge (editors), read, history, stats, events (viewers). */
@ApiTags('alerts')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/alerts')
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly display: AlertDisplayService,
    private readonly history: AlertHistoryService,
    private readonly statistics: AlertStatsService,
    private readonly sse: SseService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List alerts, most recently triggered first',
    description: 'Filters: state and priority (comma lists), key, instrumentId, from/to (on openedAt).',
  })
  @ApiPageResponse(AlertDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() q: ListAlertsQueryDto,
  ): Promise<Page<AlertDto>> {
    const page = await this.alerts.list(
      membership.workspaceId,
      {
        states: q.state,
        priorities: q.priority,
        key: q.key,
        instrumentId: q.instrumentId,
        from: date(q.from),
        to: date(q.to),
      },
      pageRequest(q),
    );
    return mapPage(page, (a) => AlertDto.from(a));
  }

  @Get('current')
  @ApiOperation({
    summary: 'The alert a display shows now',
    description:
      'The most urgent open alert no silence covers (ties: the most recently triggered) with its display colour and ' +
      'effect, or `{active: false}`. The same is published retained (QoS 1) on ' +
      '`labwire/workspaces/{workspaceId}/alerts/current` at every change; `seq` is that of the last publication. ' +
      'With `locationId`, only alerts of the instruments at that location, as published on ' +
      '`labwire/workspaces/{workspaceId}/locations/{locationId}/alerts/current`.',
  })
  @ApiOkResponse({ type: CurrentAlertDto })
  @ApiProblems(400, 404)
  async current(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() q: CurrentAlertQueryDto,
  ): Promise<CurrentAlertDto> {
    return (await this.display.current(membership.workspaceId, q.locationId ?? null)) as CurrentAlertDto;
  }

  @Get('history')
  @ApiOperation({
    summary: 'Every alert transition, newest first',
    description:
      'Filters: key, instrumentId, alertId, action (comma list), actorKind, from/to (on the time). ' +
      'GET …/alerts/history/export answers the same as CSV.',
  })
  @ApiPageResponse(AlertHistoryEntryDto)
  @ApiProblems(400)
  async listHistory(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() q: ListAlertHistoryQueryDto,
  ): Promise<Page<AlertHistoryEntryDto>> {
    const page = await this.history.list(membership.workspaceId, historyFilter(q), pageRequest(q));
    return mapPage(page, (e) => AlertHistoryEntryDto.from(e));
  }

  @Get('history/export')
  @ApiOperation({
    summary: 'Every matching alert transition as CSV (streamed, oldest first)',
    description:
      'The filters of GET …/alerts/history (paging ignored). Columns at,alert_id,key,instrument_id,action,state,' +
      'priority,note,actor_kind,actor_id.',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV', schema: { type: 'string' } })
  @ApiProblems(400)
  async exportHistory(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() q: ListAlertHistoryQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await sendAlertHistoryCsv(reply, this.history.export(membership.workspaceId, historyFilter(q)), 'alert-history');
  }

  @Get('stats')
  @ApiOperation({
    summary: 'Alert figures over a window of opening times',
    description:
      'Counts, open now, mean and p90 seconds to acknowledge and to resolve, flapping (opened within an hour after the ' +
      'same key and instrument was resolved), the noisiest keys, and the same figures per key, priority or instrument.',
  })
  @ApiOkResponse({ type: AlertStatsDto })
  @ApiProblems(400)
  async stats(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() q: AlertStatsQueryDto,
  ): Promise<AlertStatsDto> {
    const s = await this.statistics.stats(
      membership.workspaceId,
      { from: date(q.from), to: date(q.to) },
      q.groupBy ?? null,
    );
    return { ...s, from: s.from.toISOString(), to: s.to.toISOString() };
  }

  @Get('events')
  @ApiOperation({
    summary: "The workspace's alert changes as Server-Sent Events",
    description: 'Starts with the current alert, then one `alert` event per transition.',
  })
  @ApiSseResponse({
    current: 'the current alert (as GET …/alerts/current), first',
    alert: '`{action, silenced, actor: {kind, id}, note, at, alert}` for every transition',
  })
  @ApiProblems(503)
  async events(
    @CurrentMembership() membership: WorkspaceMembership,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const channel = alertEventsChannel(this.config.redis.prefix, membership.workspaceId);
    await this.sse.stream(request, reply, {
      sources: [{ channel, event: 'alert' }],
      ready: async () => ({ event: 'current', data: await this.display.current(membership.workspaceId) }),
    });
  }

  @Get(':alertId')
  @ApiParam({ name: 'alertId', type: String, format: 'uuid' })
  @ApiOperation({ summary: 'Get an alert' })
  @ApiOkResponse({ type: AlertDto })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('alertId', alertIdPipe) id: string,
  ): Promise<AlertDto> {
    return AlertDto.from(await this.alerts.get(membership.workspaceId, id));
  }

  @Post(':key/trigger')
  @HttpCode(200)
  @RequireWorkspaceRole('editor')
  @ApiParam(KEY_PARAM)
  @ApiOperation({
    summary: 'Trigger an alert by key',
    description:
      'Opens the alert of (key, instrument or none), or re-triggers the open one (triggerCount, lastTriggeredAt, the ' +
      'priority if given, the note if given): concurrent triggers never make two. An unknown key gets a config with ' +
      'the defaults. Priority: the one given, else the config default.',
  })
  @ApiOkResponse({ type: TriggerResultDto })
  @ApiProblems(400, 403)
  async trigger(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('key') key: string,
    @Body() body: TriggerAlertDto,
    @CurrentActor() actor: Actor,
  ): Promise<TriggerResultDto> {
    const result = await this.alerts.trigger(membership.workspaceId, key, {
      priority: body.priority,
      note: body.note,
      instrumentId: body.instrumentId,
      actor: alertActorOf(actor),
    });
    return { alert: AlertDto.from(result.alert), opened: result.opened, silenced: result.silenced };
  }

  @Post(':key/clear')
  @HttpCode(200)
  @RequireWorkspaceRole('editor')
  @ApiParam(KEY_PARAM)
  @ApiOperation({
    summary: 'Clear (resolve) the open alert of a key',
    description: 'The alert of the given instrument, or without instrumentId the one without instrument.',
  })
  @ApiOkResponse({ type: ClearResultDto })
  @ApiProblems(400, 403)
  async clear(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('key') key: string,
    @Body() body: ClearAlertDto,
    @CurrentActor() actor: Actor,
  ): Promise<ClearResultDto> {
    const alert = await this.alerts.clear(membership.workspaceId, key, {
      note: body.note,
      instrumentId: body.instrumentId,
      actor: alertActorOf(actor),
    });
    return { cleared: alert !== null, alert: alert ? AlertDto.from(alert) : null };
  }

  @Post(':alertId/acknowledge')
  @HttpCode(200)
  @RequireWorkspaceRole('editor')
  @ApiParam({ name: 'alertId', type: String, format: 'uuid' })
  @ApiOperation({
    summary: 'Acknowledge an active alert',
    description:
      'Stops its escalation. An acknowledged alert is answered unchanged; a resolved one is 409 ALERT_RESOLVED.',
  })
  @ApiOkResponse({ type: AlertDto })
  @ApiProblems(400, 403, 409)
  async acknowledge(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('alertId', alertIdPipe) id: string,
    @Body() body: AcknowledgeAlertDto,
    @CurrentActor() actor: Actor,
  ): Promise<AlertDto> {
    return AlertDto.from(
      await this.alerts.acknowledge(membership.workspaceId, id, { note: body.note, actor: alertActorOf(actor) }),
    );
  }
}
