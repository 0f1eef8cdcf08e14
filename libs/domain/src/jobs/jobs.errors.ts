import { DomainError, NotFoundError } from '@labwire/core';
import { JobStatus } from './job.entity';

export class JobNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('JOB_NOT_FOUND', 'Job', id);
  }
}

const STATE: Record<JobStatus, string> = {
  queued: 'is queued',
  running: 'is running',
  succeeded: 'has succeeded',
  failed: 'has failed',
  cancelled: 'was cancelled',
};

export class JobNotCancellableError extends DomainError {
  constructor(status: JobStatus) {
    super('JOB_NOT_CANCELLABLE', `The job ${STATE[status]}; only queued or running jobs can be cancelled`, undefined, {
      jobStatus: status,
    });
  }
}

export class JobNotRetryableError extends DomainError {
  constructor(status: JobStatus, detail?: string) {
    super(
      'JOB_NOT_RETRYABLE',
      detail ?? `The job ${STATE[status]}; only failed or cancelled jobs can be retried`,
      undefined,
      { jobStatus: status },
    );
  }
}

/**
 * Thrown inside running work when a cancel was requested: the job runner ends the job `cancelled`.
 * Not a DomainError: it never reaches a transport.
 */
export class JobCancelledError extends Error {
  constructor() {
    super('the job was cancelled');
    this.name = 'JobCancelledError';
  }
}

/**
 * A run that stopped because its process is shutting down, leaving its work to be resumed by the
 * next run (not a failed attempt): the job stays `running` and its processor puts it back in the queue.
 */
export class JobPausedError extends Error {
  constructor() {
    super('the run was paused for the worker to shut down; the next run resumes it');
    this.name = 'JobPausedError';
  }
}
