import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '@labwire/core';
import { guardConnectionErrors } from './connection-error-guard';
import { bullOptions, QueueRole } from './queue-connection';
import { QUEUE_NAMES, QueueName } from './queue-name';

export const QUEUE_DEPTH_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export type QueueDepthState = (typeof QUEUE_DEPTH_STATES)[number];
export type QueueDepths = Record<QueueDepthState, number>;

/** A queue as operators see it: jobs per state, and whether it is paused. */
export interface QueueStats {
  name: QueueName;
  paused: boolean;
  counts: QueueDepths & { completed: number };
}

/** Jobs waiting to run: a paused queue keeps them in its `paused` list, prioritized ones wait apart. */
function countsOf(counts: Record<string, number>): QueueStats['counts'] {
  return {
    waiting: (counts.waiting ?? 0) + (counts.paused ?? 0) + (counts.prioritized ?? 0),
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    failed: counts.failed ?? 0,
    completed: counts.completed ?? 0,
  };
}

/**
 * The BullMQ Queue object of every QueueName. Inside Nest the queues come from @nestjs/bullmq (which
 * closes them); `open()` builds a standalone set for scripts and tests, closed with `close()`.
 */
export class QueueRegistry {
  private static readonly logger = new Logger('Queues');

  constructor(
    private readonly queues: ReadonlyMap<QueueName, Queue>,
    private readonly owned = false,
  ) {
    for (const name of QUEUE_NAMES) {
      if (!queues.has(name)) throw new Error(`QueueRegistry: no Queue object for "${name}"`);
    }
  }

  static open(config: Pick<AppConfig, 'redis'>, role: QueueRole = 'producer'): QueueRegistry {
    const options = bullOptions(config, role);
    const queues = new Map(QUEUE_NAMES.map((name) => [name, QueueRegistry.watch(new Queue(name, options))]));
    return new QueueRegistry(queues, true);
  }

  /** A Queue emits 'error' when Redis goes away; without a listener that would crash the process. */
  static watch(queue: Queue): Queue {
    guardConnectionErrors(queue);
    let last = '';
    queue.on('error', (err: Error) => {
      // ioredis repeats the same error on every reconnect attempt: log each distinct one once.
      if (err.message === last) return;
      last = err.message;
      QueueRegistry.logger.warn(`queue ${queue.name}: ${err.message}`);
    });
    return queue;
  }

  get(name: QueueName): Queue {
    return this.queues.get(name) as Queue;
  }

  /** Jobs waiting, active, delayed and failed in each queue (for metrics and operators). */
  async depths(): Promise<Map<QueueName, QueueDepths>> {
    const result = new Map<QueueName, QueueDepths>();
    await Promise.all(
      QUEUE_NAMES.map(async (name) => {
        const counts = countsOf(await this.get(name).getJobCounts(...QUEUE_DEPTH_STATES, 'paused', 'prioritized'));
        result.set(name, {
          waiting: counts.waiting,
          active: counts.active,
          delayed: counts.delayed,
          failed: counts.failed,
        });
      }),
    );
    return result;
  }

  /** Every queue's job counts (completed included) and paused flag, in QUEUE_NAMES order. */
  async stats(): Promise<QueueStats[]> {
    return Promise.all(
      QUEUE_NAMES.map(async (name) => {
        const queue = this.get(name);
        const [counts, paused] = await Promise.all([
          queue.getJobCounts(...QUEUE_DEPTH_STATES, 'completed', 'paused', 'prioritized'),
          queue.isPaused(),
        ]);
        return { name, paused, counts: countsOf(counts) };
      }),
    );
  }

  /** Stops every worker of every process from taking new jobs of the queue (active ones finish). */
  async pause(name: QueueName): Promise<void> {
    await this.get(name).pause();
  }

  async resume(name: QueueName): Promise<void> {
    await this.get(name).resume();
  }

  /**
   * Moves the queue's failed jobs back to waiting, except those named in `except` (jobs the Jobs API
   * tracks are retried through it, so their status stays true). Returns how many were retried.
   */
  async retryFailed(name: QueueName, except: ReadonlySet<string>): Promise<number> {
    const queue = this.get(name);
    let retried = 0;
    let skipped = 0;
    for (;;) {
      // Retried jobs leave the failed list, so each page starts after the ones skipped.
      const page = await queue.getFailed(skipped, skipped + 499);
      if (!page.length) return retried;
      for (const job of page) {
        if (except.has(job.name)) {
          skipped++;
          continue;
        }
        await job.retry('failed');
        retried++;
      }
    }
  }

  async close(): Promise<void> {
    if (!this.owned) return;
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
