import { JobName, QueueName } from '@labwire/queue';

/** A job arrived whose name this worker has no handler for (a newer producer, or a stale job). */
export class UnknownJobError extends Error {
  constructor(queue: QueueName, name: string) {
    super(`queue ${queue} has no handler for job "${name}"`);
    this.name = 'UnknownJobError';
  }
}

/** The handler ran past the job's timeout (JOB_DEFINITIONS); BullMQ retries per the job's attempts. */
export class JobTimeoutError extends Error {
  constructor(name: JobName, timeoutMs: number) {
    super(`job ${name} did not finish within ${timeoutMs} ms`);
    this.name = 'JobTimeoutError';
  }
}

/** Raised at boot when a JobName has no handler: the worker refuses to start rather than let jobs pile up. */
export class MissingJobHandlersError extends Error {
  constructor(readonly problems: string[]) {
    super(`The worker cannot start: the job handlers do not cover the job contract:\n  - ${problems.join('\n  - ')}`);
    this.name = 'MissingJobHandlersError';
  }
}
