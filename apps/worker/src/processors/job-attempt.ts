import type { Job } from 'bullmq';
import { JobAttempt } from '@labwire/domain';

/** This run's attempt of a BullMQ job: `attemptsMade` counts the attempts that failed before it. */
export function attemptOf(job: Job): JobAttempt {
  return { number: job.attemptsMade + 1, max: job.opts.attempts ?? 1 };
}
