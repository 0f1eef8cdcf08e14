import { Injectable } from '@nestjs/common';
import type { JobsOptions } from 'bullmq';
import { JOB_DEFINITIONS } from './job-definitions';
import { JobName } from './job-name';
import { tracedEnqueue } from './job-tracing';
import { JobDataOf } from './jobs';
import { QueueName } from './queue-name';
import { QueueUnavailableError } from './queue.errors';
import { QueueRegistry } from './queue-registry';

/** How long enqueueing may wait for Redis before the caller gets QueueUnavailableError. */
export const ENQUEUE_TIMEOUT_MS = 5000;

export interface EnqueueOptions {
  /** a deterministic id makes enqueueing idempotent: BullMQ ignores a second job with the same id */
  jobId?: string;
  delayMs?: number;
  /** 1 is the highest priority */
  priority?: number;
}

export interface EnqueuedJob<N extends JobName = JobName> {
  id: string;
  name: N;
  queue: QueueName;
}

/** What removing a job found: removed, no such job, or a job a worker is running (locked). */
export type RemoveOutcome = 'removed' | 'absent' | 'active';

/** When a recurring job first and last fires (ms since the epoch); both optional. */
export interface ScheduleBounds {
  startDate?: number;
  endDate?: number;
}

export type ScheduleRepeat = ({ everyMs: number } | { cron: string; timezone?: string }) & ScheduleBounds;

/**
 * The only way code outside the worker puts work on a queue. Typed by the job contract: the payload
 * must match the job name, and the queue and default options come from JOB_DEFINITIONS.
 */
@Injectable()
export class JobProducer {
  constructor(private readonly queues: QueueRegistry) {}

  async enqueue<N extends JobName>(name: N, data: JobDataOf<N>, options: EnqueueOptions = {}): Promise<EnqueuedJob<N>> {
    const definition = JOB_DEFINITIONS[name];
    // BullMQ waits for Redis indefinitely; a request must not. The add may still land once Redis is
    // back, which is why callers that retry should pass a deterministic jobId.
    const job = await this.bounded(
      definition.queue,
      tracedEnqueue(definition.queue, name, (traced) =>
        this.queues.get(definition.queue).add(name, traced(data), this.jobOptions(name, options)),
      ),
    );
    return { id: job.id as string, name, queue: definition.queue };
  }

  /**
   * Several jobs of one name in one Redis round trip (BullMQ addBulk, atomic). Same timeout as
   * enqueue; the MQTT bridge acknowledges messages only after this resolves.
   */
  async enqueueBulk<N extends JobName>(name: N, items: Array<JobDataOf<N>>): Promise<void> {
    if (items.length === 0) return;
    const definition = JOB_DEFINITIONS[name];
    const opts = this.jobOptions(name, {});
    await this.bounded(
      definition.queue,
      tracedEnqueue(definition.queue, name, (traced) =>
        this.queues.get(definition.queue).addBulk(items.map((data) => ({ name, data: traced(data), opts }))),
      ),
    );
  }

  /**
   * Creates or updates a recurring job (a BullMQ job scheduler). Keyed by `schedulerId`, so every
   * replica calling this at boot converges on one scheduler instead of adding duplicates.
   */
  async schedule<N extends JobName>(
    schedulerId: string,
    name: N,
    data: JobDataOf<N>,
    repeat: ScheduleRepeat,
  ): Promise<void> {
    const definition = JOB_DEFINITIONS[name];
    const bounds = {
      ...(repeat.startDate !== undefined && { startDate: repeat.startDate }),
      ...(repeat.endDate !== undefined && { endDate: repeat.endDate }),
    };
    const repeatOptions =
      'everyMs' in repeat
        ? { every: repeat.everyMs, ...bounds }
        : { pattern: repeat.cron, tz: repeat.timezone, ...bounds };
    const { attempts, backoff, removeOnComplete, removeOnFail } = definition.options;
    await this.bounded(
      definition.queue,
      this.queues.get(definition.queue).upsertJobScheduler(schedulerId, repeatOptions, {
        name,
        data,
        opts: { attempts, backoff, removeOnComplete, removeOnFail },
      }),
    );
  }

  /**
   * Removes a job that is waiting, delayed, completed or failed, so its id can be enqueued again. A
   * job a worker is running cannot be removed (`active`): it ends on its own.
   */
  async remove(name: JobName, jobId: string): Promise<RemoveOutcome> {
    const { queue: queueName } = JOB_DEFINITIONS[name];
    const queue = this.queues.get(queueName);
    return this.bounded(
      queueName,
      (async () => {
        if (!(await queue.getJob(jobId))) return 'absent' as const;
        return (await queue.remove(jobId)) === 1 ? ('removed' as const) : ('active' as const);
      })(),
    );
  }

  /** Whether a job with this id is in its queue, in any state. */
  async exists(name: JobName, jobId: string): Promise<boolean> {
    const { queue } = JOB_DEFINITIONS[name];
    return this.bounded(
      queue,
      this.queues
        .get(queue)
        .getJob(jobId)
        .then((job) => job !== undefined && job !== null),
    );
  }

  async unschedule(name: JobName, schedulerId: string): Promise<boolean> {
    const { queue } = JOB_DEFINITIONS[name];
    return this.bounded(queue, this.queues.get(queue).removeJobScheduler(schedulerId));
  }

  /** The ids of the job schedulers of the job name's queue that start with `prefix`. */
  async schedulerIds(name: JobName, prefix: string): Promise<string[]> {
    const queueName = JOB_DEFINITIONS[name].queue;
    const queue = this.queues.get(queueName);
    const ids: string[] = [];
    const pageSize = 500;
    for (let start = 0; ; start += pageSize) {
      const page = await this.bounded(queueName, queue.getJobSchedulers(start, start + pageSize - 1, true));
      for (const scheduler of page) if (scheduler.key.startsWith(prefix)) ids.push(scheduler.key);
      if (page.length < pageSize) return ids;
    }
  }

  private jobOptions(name: JobName, options: EnqueueOptions): JobsOptions {
    return {
      ...JOB_DEFINITIONS[name].options,
      ...(options.jobId !== undefined && { jobId: options.jobId }),
      ...(options.delayMs !== undefined && { delay: options.delayMs }),
      ...(options.priority !== undefined && { priority: options.priority }),
    };
  }

  private async bounded<T>(queue: QueueName, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QueueUnavailableError(queue, ENQUEUE_TIMEOUT_MS)), ENQUEUE_TIMEOUT_MS);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
