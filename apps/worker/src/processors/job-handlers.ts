import type { Job } from 'bullmq';
import { JobDataOf, JobName, JobNamesOf, JobResultOf, QueueName } from '@labwire/queue';

/** Runs one job; `signal` aborts when the job's timeout passes, so long work can stop early. */
export type JobHandler<N extends JobName> = (
  job: Job<JobDataOf<N>, JobResultOf<N>, N>,
  signal: AbortSignal,
) => Promise<JobResultOf<N>>;

/**
 * A handler for every job name of a queue. A mapped type: a processor that misses one of its
 * queue's job names, or handles a name of another queue, does not compile.
 */
export type JobHandlers<Q extends QueueName> = { [N in JobNamesOf<Q>]: JobHandler<N> };
