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
