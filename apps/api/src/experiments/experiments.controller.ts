import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig, mapPage, Page, parseSort } from '@labwire/core';
import {
  Actor,
  EXPERIMENT_SORT_FIELDS,
  ExperimentEvent,
  ExperimentNotFoundError,
  ExperimentService,
  experimentEventsChannel,
  experimentSnapshot,
  ExperimentSnapshot,
  TERMINAL_EXPERIMENT_STATUSES,
  WorkspaceMembership,
} from '@labwire/domain';
import { ApiPageResponse } from '../common/dto/page.dto';
import { pageRequest } from '../common/dto/page-query.dto';
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
import { CreateExperimentDto, StartExperimentDto, UpdateExperimentDto } from './dto/experiment-input.dto';
import { ExperimentDto, ExperimentStepDto } from './dto/experiment.dto';
import { ListExperimentsQueryDto } from './dto/list-experiments-query.dto';

export const experimentIdPipe = new ResourceIdPipe((id) => new ExperimentNotFoundError(id));
export const EXPERIMENT_ID = { name: 'experimentId', type: String, format: 'uuid' } as const;

/** An experiment event relayed from Redis: only events of the given type, as their payload. */
function eventsOf(type: ExperimentEvent['type']) {
  return (message: string) => {
    const event = JSON.parse(message) as ExperimentEvent;
    if (event.type !== type) return undefined;
    return event.type === 'status' ? event.experiment : event.type === 'step' ? event.step : event.mark;
  };
}

/** Experiments of a workspace: a protocol version run on assigned instruments. */
@ApiTags('experiments')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/experiments')
export class ExperimentsController {
  constructor(
    private readonly experiments: ExperimentService,
    private readonly sse: SseService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'List experiments (filter status, protocolId, instrumentId, from/to; sort createdAt, startedAt, name, status)',
  })
  @ApiPageResponse(ExperimentDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() q: ListExperimentsQueryDto,
  ): Promise<Page<ExperimentDto>> {
    const sort = parseSort(q.sort, EXPERIMENT_SORT_FIELDS, [{ field: 'createdAt', direction: 'DESC' }]);
    const page = await this.experiments.list(
      membership.workspaceId,
      {
        statuses: q.status,
        protocolId: q.protocolId?.toLowerCase(),
        instrumentId: q.instrumentId?.toLowerCase(),
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
      },
      pageRequest(q),
      sort,
    );
    return mapPage(page, (e) => ExperimentDto.from(e));
  }

  @Post()
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Create an experiment (a draft)',
    description:
      "A protocol version (default: the current one, which this freezes), roles assigned to the workspace's " +
      'instruments (type and capabilities checked), parameter values (defaults fill the rest). An unqualified ' +
      'instrument is 409 INSTRUMENT_NOT_QUALIFIED unless the protocol says requireQualified: false.',
  })
  @ApiCreatedResponse({ type: ExperimentDto })
  @ApiProblems(400, 403, 404, 409)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Body() body: CreateExperimentDto,
    @CurrentActor() actor: Actor,
  ): Promise<ExperimentDto> {
    return ExperimentDto.from(
      await this.experiments.create(membership, { ...body, protocolId: body.protocolId.toLowerCase() }, actor),
    );
  }

  @Get(':experimentId')
  @ApiParam(EXPERIMENT_ID)
  @ApiOperation({ summary: 'Get an experiment' })
  @ApiOkResponse({ type: ExperimentDto })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('experimentId', experimentIdPipe) id: string,
  ): Promise<ExperimentDto> {
    return ExperimentDto.from(await this.experiments.get(membership.workspaceId, id));
  }

  @Patch(':experimentId')
  @ApiParam(EXPERIMENT_ID)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Change a draft experiment',
    description: 'Only drafts (409 EXPERIMENT_STATE_CONFLICT otherwise); assignments are replaced whole.',
  })
  @ApiOkResponse({ type: ExperimentDto })
  @ApiProblems(400, 403, 404, 409)
  async update(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('experimentId', experimentIdPipe) id: string,
    @Body() body: UpdateExperimentDto,
    @CurrentActor() actor: Actor,
  ): Promise<ExperimentDto> {
    return ExperimentDto.from(await this.experiments.update(membership, id, body, actor));
  }

  @Post(':experimentId/start')
  @ApiParam(EXPERIMENT_ID)
  @HttpCode(202)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Start a draft experiment, now or at scheduledAt',
    description:
      'Every role must be assigned. 409 INSTRUMENT_BUSY names the scheduled or running experiment that holds an ' +
      'instrument; 409 INSTRUMENT_NOT_QUALIFIED names each unqualified instrument and why. The run is the ' +
      'experiment.run job (jobId).',
  })
  @ApiAcceptedResponse({ type: ExperimentDto })
  @ApiProblems(400, 403, 409, 503)
  async start(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('experimentId', experimentIdPipe) id: string,
    @Body() body: StartExperimentDto,
    @CurrentActor() actor: Actor,
  ): Promise<ExperimentDto> {
    const scheduledAt = body.scheduledAt ? new Date(body.scheduledAt) : null;
    return ExperimentDto.from(await this.experiments.start(membership, id, { scheduledAt }, actor));
  }

  @Post(':experimentId/abort')
  @ApiParam(EXPERIMENT_ID)
  @HttpCode(200)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Abort an experiment',
    description:
      "A draft or scheduled one ends at once; a running one stops its step at once, sends the protocol's abort " +
      'command and ends aborted (abortRequested until then). A finished one is 409 EXPERIMENT_STATE_CONFLICT.',
  })
  @ApiOkResponse({ type: ExperimentDto })
  @ApiProblems(403, 409)
  async abort(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('experimentId', experimentIdPipe) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<ExperimentDto> {
    return ExperimentDto.from(await this.experiments.abort(membership, id, actor));
  }

  @Get(':experimentId/steps')
  @ApiParam(EXPERIMENT_ID)
  @ApiOperation({ summary: "The experiment's steps: start, end, outcome and detail of each" })
  @ApiOkResponse({ type: [ExperimentStepDto] })
  async steps(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('experimentId', experimentIdPipe) id: string,
  ): Promise<ExperimentStepDto[]> {
    return (await this.experiments.listSteps(membership.workspaceId, id)).map((s) => ExperimentStepDto.from(s));
  }

  @Get(':experimentId/events')
  @ApiParam(EXPERIMENT_ID)
  @ApiOperation({
    summary: "An experiment's status, steps and marks as Server-Sent Events",
    description: 'Starts with the current status; ends once the experiment is completed, failed or aborted.',
  })
  @ApiSseResponse({
    status: 'the experiment (id, status, currentStep, abortRequested, error, flags, times), first as it is now',
    step: 'a step as it starts and as it ends (as in GET …/steps)',
    mark: '`{step, label, note, at}`: a mark step annotated the run',
  })
  @ApiProblems(503)
  async events(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('experimentId', experimentIdPipe) id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.experiments.get(membership.workspaceId, id);
    const channel = experimentEventsChannel(this.config.redis.prefix, id);
    await this.sse.stream(request, reply, {
      sources: [
        { channel, event: 'status', map: eventsOf('status') },
        { channel, event: 'step', map: eventsOf('step') },
        { channel, event: 'mark', map: eventsOf('mark') },
      ],
      ready: async () => ({
        event: 'status',
        data: experimentSnapshot(await this.experiments.get(membership.workspaceId, id)),
      }),
      endAfter: (event) =>
        event.event === 'status' && TERMINAL_EXPERIMENT_STATUSES.includes((event.data as ExperimentSnapshot).status),
    });
  }
}
