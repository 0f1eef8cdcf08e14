import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS } from '@labwire/core';
import { Job, JobCounts, JobStatus } from './job.entity';

/** The Redis pub/sub channel of one job's changes (api replicas relay it as Server-Sent Events). */
export function jobEventsChannel(prefix: string, jobId: string): string {
  return `${prefix}:job:${jobId}`;
}

/** A job as its events carry it: everything but the row errors (their count is there). Times ISO-8601. */
export interface JobSnapshot {
  id: string;
  kind: string;
  status: JobStatus;
  progress: number;
  counts: JobCounts;
  errorCount: number;
  error: string | null;
  attempts: number;
  cancelRequested: boolean;
  result: Record<string, unknown> | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** `status`: the job changed state (created, started, finished, cancel requested); `progress`: it moved on. */
export type JobEventType = 'status' | 'progress';

export interface JobEvent {
  type: JobEventType;
  job: JobSnapshot;
}

/** The job as events and the API show it (times as ISO-8601); its row errors are not part of it. */
export function jobSnapshot(job: Omit<Job, 'errors'>): JobSnapshot {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    progress: job.progress,
    counts: job.counts,
    errorCount: job.errorCount,
    error: job.error,
    attempts: job.attempts,
    cancelRequested: job.cancelRequested,
    result: job.result,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}

/**
 * Publishes each change of a job on its channel. Best effort: the row is the record, and a client
 * that missed an event re-reads the job (the event stream starts with the current state).
 */
@Injectable()
export class JobEventPublisher {
  private readonly logger = new Logger('JobEvents');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async publish(type: JobEventType, job: Job): Promise<void> {
    const event: JobEvent = { type, job: jobSnapshot(job) };
    try {
      await this.redis.publish(jobEventsChannel(this.config.redis.prefix, job.id), JSON.stringify(event));
    } catch (err) {
      this.logger.warn(`job ${job.id}: event not published: ${(err as Error).message}`);
    }
  }
}
