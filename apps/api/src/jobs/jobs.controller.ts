import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig, mapPage, Page, parseSort } from '@labwire/core';
import {
  Actor,
  JOB_SORT_FIELDS,
  JobEvent,
  jobEventsChannel,
  JobNotFoundError,
  JobSnapshot,
  jobSnapshot,
  JobsService,
  TERMINAL_JOB_STATUSES,
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
import { JobDto, jobPath, JobSummaryDto } from './dto/job.dto';
import { ListJobsQueryDto } from './dto/list-jobs-query.dto';

const jobIdPipe = new ResourceIdPipe((id) => new JobNotFoundError(id));
const JOB_ID = { name: 'jobId', type: String, format: 'uuid' } as const;

/** A job event relayed from Redis: only events of the given type, as their job snapshot. */
function eventsOf(type: JobEvent['type']) {
  return (message: string) => {
    const event = JSON.parse(message) as JobEvent;
    return event.type === type ? event.job : undefined;
  };
}

/** Background work of a workspace (telemetry backfills, later ingestion and classification). */
@ApiTags('jobs')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/jobs')
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly sse: SseService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List jobs, newest first (filter kind, status, scheduleId; sort createdAt, finishedAt, status, kind)',
  })
  @ApiPageResponse(JobSummaryDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() query: ListJobsQueryDto,
  ): Promise<Page<JobSummaryDto>> {
    const sort = parseSort(query.sort, JOB_SORT_FIELDS, [{ field: 'createdAt', direction: 'DESC' }]);
    const page = await this.jobs.list(
      membership.workspaceId,
      { kind: query.kind, status: query.status, scheduleId: query.scheduleId?.toLowerCase() },
      pageRequest(query),
      sort,
    );
    return mapPage(page, (j) => JobSummaryDto.from(j));
  }

  @Get(':jobId')
  @ApiParam(JOB_ID)
  @ApiOperation({ summary: 'Get a job: status, progress, counts, row errors (the first 1000), timings' })
  @ApiOkResponse({ type: JobDto })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('jobId', jobIdPipe) jobId: string,
  ): Promise<JobDto> {
    return JobDto.from(await this.jobs.get(membership.workspaceId, jobId));
  }

  @Get(':jobId/events')
  @ApiParam(JOB_ID)
  @ApiOperation({
    summary: "A job's progress and status changes as Server-Sent Events",
    description: 'Starts with the current state; ends after the job reaches succeeded, failed or cancelled.',
  })
  @ApiSseResponse({
    status: 'the job (as in GET, without the row errors), first as it is now, then on every change of state',
    progress: 'the job, as its progress and counts move on (a few times a second at most)',
  })
  @ApiProblems(503)
  async events(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('jobId', jobIdPipe) jobId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // 404 before anything is streamed
    await this.jobs.get(membership.workspaceId, jobId);
    const channel = jobEventsChannel(this.config.redis.prefix, jobId);
    await this.sse.stream(request, reply, {
      sources: [
        { channel, event: 'status', map: eventsOf('status') },
        { channel, event: 'progress', map: eventsOf('progress') },
      ],
      ready: async () => ({ event: 'status', data: jobSnapshot(await this.jobs.get(membership.workspaceId, jobId)) }),
      endAfter: (event) =>
        event.event === 'status' && TERMINAL_JOB_STATUSES.includes((event.data as JobSnapshot).status),
    });
  }

  @Post(':jobId/cancel')
  @ApiParam(JOB_ID)
  @HttpCode(200)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Cancel a job',
    description:
      'A queued job is cancelled at once; a running one stops at its next check (cancelRequested: true until then). ' +
      'Cancelling a cancelled job changes nothing; a finished one answers 409 JOB_NOT_CANCELLABLE. ' +
      'Cancelling an `experiment.run` job aborts its experiment exactly as `POST …/experiments/{id}/abort` does ' +
      "(the step in progress ends aborted, the rest are skipped, the protocol's abort command is sent); the job " +
      'then ends cancelled.',
  })
  @ApiOkResponse({ type: JobDto })
  @ApiProblems(403, 409)
  async cancel(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('jobId', jobIdPipe) jobId: string,
    @CurrentActor() actor: Actor,
  ): Promise<JobDto> {
    return JobDto.from(await this.jobs.cancel(membership, jobId, actor));
  }

  @Post(':jobId/retry')
  @ApiParam(JOB_ID)
  @HttpCode(202)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Run a failed or cancelled job again',
    description: 'Same id and input; the job is queued again (409 JOB_NOT_RETRYABLE otherwise).',
  })
  @ApiAcceptedResponse({ type: JobDto, headers: { Location: { description: 'The job', schema: { type: 'string' } } } })
  @ApiProblems(403, 409, 503)
  async retry(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('jobId', jobIdPipe) jobId: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobDto> {
    const job = await this.jobs.retry(membership, jobId, actor);
    reply.header('location', jobPath(job.workspaceId, job.id));
    return JobDto.from(job);
  }
}
