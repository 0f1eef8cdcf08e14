import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiProduces } from '@nestjs/swagger';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiExtraModels,
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
  SCHEDULE_SORT_FIELDS,
  ScheduleConfig,
  ScheduleExportNotFoundError,
  ScheduleNotFoundError,
  SchedulePatch,
  ScheduleService,
  TelemetryExportService,
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
import { JobDto, jobPath } from '../jobs/dto/job.dto';
import { ListSchedulesQueryDto } from './dto/list-schedules-query.dto';
import { ScheduleDto, ScheduleRunDto } from './dto/schedule.dto';
import {
  ClassificationScheduleConfigDto,
  CreateScheduleDto,
  IngestionScheduleConfigDto,
  ScheduleFieldsDto,
  TelemetryExportScheduleConfigDto,
  UpdateScheduleDto,
} from './dto/schedule-input.dto';

const scheduleIdPipe = new ResourceIdPipe((id) => new ScheduleNotFoundError(id));
const SCHEDULE_ID = { name: 'scheduleId', type: String, format: 'uuid' } as const;
const exportIdPipe = new ResourceIdPipe((id) => new ScheduleExportNotFoundError(id));

const date = (value: string | undefined): Date | undefined => (value === undefined ? undefined : new Date(value));

function timing(body: ScheduleFieldsDto) {
  return {
    cron: body.cron,
    timezone: body.timezone,
    intervalMs: body.intervalMs,
    startAt: date(body.startAt),
    endAt: date(body.endAt),
    enabled: body.enabled,
  };
}

/**
 * Recurring ingestion and classification of a workspace. Each run is a Jobs-API job carrying the
 * schedule's id: run history is …/jobs?scheduleId=, skipped runs are listed under …/runs.
 */
@ApiTags('schedules')
@ApiExtraModels(IngestionScheduleConfigDto, ClassificationScheduleConfigDto, TelemetryExportScheduleConfigDto)
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/schedules')
export class SchedulesController {
  constructor(
    private readonly schedules: ScheduleService,
    private readonly exports: TelemetryExportService,
  ) {}

  @Post()
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Create a schedule',
    description:
      'Runs as its creator (suspended should they leave the workspace, become a viewer or be disabled). A cron ' +
      'expression is read in its time zone: on the day clocks spring forward a 02:30 run happens once (03:30 local), ' +
      'on the day they fall back once (the first 02:30). At most SCHEDULES_MAX_PER_WORKSPACE per workspace.',
  })
  @ApiCreatedResponse({ type: ScheduleDto })
  @ApiProblems(400, 403, 404, 409)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Body() body: CreateScheduleDto,
    @CurrentActor() actor: Actor,
  ): Promise<ScheduleDto> {
    const schedule = await this.schedules.create(
      membership,
      { name: body.name, kind: body.kind, config: body.config as unknown as ScheduleConfig, ...timing(body) },
      actor,
    );
    return ScheduleDto.from(schedule);
  }

  @Get()
  @ApiOperation({ summary: 'List schedules (filter kind; sort createdAt, name)' })
  @ApiPageResponse(ScheduleDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() query: ListSchedulesQueryDto,
  ): Promise<Page<ScheduleDto>> {
    const sort = parseSort(query.sort, SCHEDULE_SORT_FIELDS, [{ field: 'createdAt', direction: 'DESC' }]);
    const page = await this.schedules.list(membership.workspaceId, { kind: query.kind }, pageRequest(query), sort);
    return mapPage(page, (s) => ScheduleDto.from(s));
  }

  @Get(':scheduleId')
  @ApiParam(SCHEDULE_ID)
  @ApiOperation({ summary: 'Get a schedule with its next five runs and its last run' })
  @ApiOkResponse({ type: ScheduleDto })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('scheduleId', scheduleIdPipe) scheduleId: string,
  ): Promise<ScheduleDto> {
    return ScheduleDto.from(await this.schedules.get(membership.workspaceId, scheduleId));
  }

  @Get(':scheduleId/runs')
  @ApiParam(SCHEDULE_ID)
  @ApiOperation({ summary: "A schedule's runs, newest first, skipped ones included (their jobs: …/jobs?scheduleId=)" })
  @ApiPageResponse(ScheduleRunDto)
  @ApiProblems(400)
  async runs(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('scheduleId', scheduleIdPipe) scheduleId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<ScheduleRunDto>> {
    const page = await this.schedules.listRuns(membership.workspaceId, scheduleId, pageRequest(query));
    return mapPage(page, (r) => ScheduleRunDto.from(r));
  }

  @Get(':scheduleId/exports/:jobId/download')
  @ApiParam(SCHEDULE_ID)
  @ApiParam({ name: 'jobId', type: String, format: 'uuid' })
  @ApiOperation({
    summary: "Download a telemetry-export run's CSV",
    description:
      'The CSV (time,instrument_id,metric,value,tags) a succeeded run of a telemetry-export schedule stored; kept 30 ' +
      'days after the run, then 404 SCHEDULE_EXPORT_NOT_FOUND.',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'The CSV', schema: { type: 'string' } })
  @ApiProblems(404)
  async download(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('scheduleId', scheduleIdPipe) scheduleId: string,
    @Param('jobId', exportIdPipe) jobId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const body = await this.exports.download(membership.workspaceId, scheduleId, jobId);
    await reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="telemetry-export-${jobId}.csv"`)
      .send(body);
  }

  @Patch(':scheduleId')
  @ApiParam(SCHEDULE_ID)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Change a schedule',
    description: 'Fields left out stay. A new timing counts from now (or its startAt); the kind cannot change.',
  })
  @ApiOkResponse({ type: ScheduleDto })
  @ApiProblems(400, 403, 404)
  async update(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('scheduleId', scheduleIdPipe) scheduleId: string,
    @Body() body: UpdateScheduleDto,
    @CurrentActor() actor: Actor,
  ): Promise<ScheduleDto> {
    const patch: SchedulePatch = {
      ...timing(body),
      ...(body.name !== undefined && { name: body.name }),
      ...(body.config !== undefined && { config: body.config as unknown as ScheduleConfig }),
    };
    return ScheduleDto.from(await this.schedules.update(membership, scheduleId, patch, actor));
  }

  @Delete(':scheduleId')
  @ApiParam(SCHEDULE_ID)
  @HttpCode(204)
  @RequireWorkspaceRole('editor')
  @ApiOperation({ summary: 'Delete a schedule (its runs\u2019 jobs and data sources stay)' })
  @ApiNoContentResponse()
  @ApiProblems(403)
  async remove(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('scheduleId', scheduleIdPipe) scheduleId: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.schedules.remove(membership, scheduleId, actor);
  }

  @Post(':scheduleId/run')
  @ApiParam(SCHEDULE_ID)
  @HttpCode(202)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Run a schedule now',
    description:
      "Answers the run's job (202). 409 SCHEDULE_RUN_OVERLAP when its previous run is still going (the run is " +
      'recorded skipped); 409 SCHEDULE_SUSPENDED when its creator can no longer run it.',
  })
  @ApiAcceptedResponse({ type: JobDto, headers: { Location: { description: 'The job', schema: { type: 'string' } } } })
  @ApiProblems(403, 404, 409, 503)
  async run(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('scheduleId', scheduleIdPipe) scheduleId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobDto> {
    const job = await this.schedules.runNow(membership, scheduleId);
    reply.header('location', jobPath(job.workspaceId, job.id));
    return JobDto.from(job);
  }

  @Post(':scheduleId/pause')
  @ApiParam(SCHEDULE_ID)
  @HttpCode(200)
  @RequireWorkspaceRole('editor')
  @ApiOperation({ summary: 'Pause a schedule (no runs until resumed; run-now still works)' })
  @ApiOkResponse({ type: ScheduleDto })
  @ApiProblems(403)
  async pause(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('scheduleId', scheduleIdPipe) scheduleId: string,
    @CurrentActor() actor: Actor,
  ): Promise<ScheduleDto> {
    return ScheduleDto.from(await this.schedules.pause(membership, scheduleId, actor));
  }

  @Post(':scheduleId/resume')
  @ApiParam(SCHEDULE_ID)
  @HttpCode(200)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Resume a paused or suspended schedule',
    description:
      'Runs again from its next tick (ticks missed while paused are not made up). A suspended schedule resumes only ' +
      'once its creator can run it again (409 SCHEDULE_SUSPENDED otherwise).',
  })
  @ApiOkResponse({ type: ScheduleDto })
  @ApiProblems(403, 409)
  async resume(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('scheduleId', scheduleIdPipe) scheduleId: string,
    @CurrentActor() actor: Actor,
  ): Promise<ScheduleDto> {
    return ScheduleDto.from(await this.schedules.resume(membership, scheduleId, actor));
  }
}
