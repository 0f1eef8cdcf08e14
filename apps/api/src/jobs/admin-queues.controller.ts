import { Controller, Get, HttpCode, Logger, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Principal } from '@labwire/domain';
import {
  isQueueName,
  QUEUE_NAMES,
  QueueName,
  QueueNotFoundError,
  QueueRegistry,
  TRACKED_JOB_NAMES,
} from '@labwire/queue';
import { CurrentPrincipal, RequirePlatformRole } from '../common/auth/auth.decorators';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { QueueStatsDto } from './dto/queue-stats.dto';
import { RetriedJobsDto } from './dto/retried-jobs.dto';

const QUEUE_PARAM = { name: 'name', enum: QUEUE_NAMES, enumName: 'QueueName' } as const;

/** The BullMQ queues, for operators: platform admins only. */
@ApiTags('admin')
@ApiProblems(401, 403)
@RequirePlatformRole('admin')
@Controller('admin/queues')
export class AdminQueuesController {
  private readonly logger = new Logger('AdminQueues');

  constructor(private readonly queues: QueueRegistry) {}

  @Get()
  @ApiOperation({ summary: 'Every queue: jobs waiting, active, delayed, failed and completed; paused or not' })
  @ApiOkResponse({ type: [QueueStatsDto] })
  async list(): Promise<QueueStatsDto[]> {
    return (await this.queues.stats()).map((s) => QueueStatsDto.from(s));
  }

  @Post(':name/pause')
  @HttpCode(200)
  @ApiParam(QUEUE_PARAM)
  @ApiOperation({ summary: 'Pause a queue: no worker takes new jobs of it (running ones finish); they wait' })
  @ApiOkResponse({ type: QueueStatsDto })
  @ApiProblems(404)
  async pause(@Param('name') name: string, @CurrentPrincipal() admin: Principal): Promise<QueueStatsDto> {
    const queue = this.queueNamed(name);
    await this.queues.pause(queue);
    this.logger.log({ queue, userId: admin.userId }, `queue ${queue} paused`);
    return this.statsOf(queue);
  }

  @Post(':name/resume')
  @HttpCode(200)
  @ApiParam(QUEUE_PARAM)
  @ApiOperation({ summary: 'Resume a paused queue' })
  @ApiOkResponse({ type: QueueStatsDto })
  @ApiProblems(404)
  async resume(@Param('name') name: string, @CurrentPrincipal() admin: Principal): Promise<QueueStatsDto> {
    const queue = this.queueNamed(name);
    await this.queues.resume(queue);
    this.logger.log({ queue, userId: admin.userId }, `queue ${queue} resumed`);
    return this.statsOf(queue);
  }

  @Post(':name/retry-failed')
  @HttpCode(200)
  @ApiParam(QUEUE_PARAM)
  @ApiOperation({
    summary: 'Retry the failed jobs of a queue',
    description:
      'Telemetry batches that failed every attempt hold readings that were acknowledged but not stored: ' +
      'once the cause is fixed, this queues them again (storing is idempotent). Jobs of the Jobs API ' +
      '(backfills, ingestion, classification) are left alone: retry those at …/jobs/{id}/retry.',
  })
  @ApiOkResponse({ type: RetriedJobsDto })
  @ApiProblems(404)
  async retryFailed(@Param('name') name: string, @CurrentPrincipal() admin: Principal): Promise<RetriedJobsDto> {
    const queue = this.queueNamed(name);
    const retried = await this.queues.retryFailed(queue, new Set<string>(TRACKED_JOB_NAMES));
    this.logger.log({ queue, retried, userId: admin.userId }, `queue ${queue}: ${retried} failed jobs retried`);
    return { retried, queue: await this.statsOf(queue) };
  }

  private queueNamed(name: string): QueueName {
    if (!isQueueName(name)) throw new QueueNotFoundError(name);
    return name;
  }

  private async statsOf(name: QueueName): Promise<QueueStatsDto> {
    const stats = (await this.queues.stats()).find((s) => s.name === name);
    return QueueStatsDto.from(stats as NonNullable<typeof stats>);
  }
}
