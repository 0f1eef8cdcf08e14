import { DomainError, NotFoundError } from '@labwire/core';

export class ScheduleNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('SCHEDULE_NOT_FOUND', 'Schedule', id);
  }
}

/** No stored export: not an export of the schedule, not finished, or past its 30 days (purged). */
export class ScheduleExportNotFoundError extends NotFoundError {
  constructor(jobId: string) {
    super('SCHEDULE_EXPORT_NOT_FOUND', 'Telemetry export', jobId);
  }
}

export class ScheduleLimitReachedError extends DomainError {
  constructor(limit: number) {
    super(
      'SCHEDULE_LIMIT_REACHED',
      `The workspace has ${limit} schedules, the most it may have (SCHEDULES_MAX_PER_WORKSPACE); delete one first`,
      undefined,
      { limit },
    );
  }
}

/** Run-now while the schedule's previous run is still queued or running (the run is recorded skipped). */
export class ScheduleRunOverlapError extends DomainError {
  constructor(jobId: string) {
    super(
      'SCHEDULE_RUN_OVERLAP',
      `The schedule's previous run (job ${jobId}) is still going; this run was skipped`,
      undefined,
      {
        jobId,
      },
    );
  }
}

/** The schedule cannot run as its creator any more (they left the workspace, lost the editor role, were disabled). */
export class ScheduleSuspendedError extends DomainError {
  constructor(reason: string) {
    super('SCHEDULE_SUSPENDED', `The schedule is suspended: ${reason}`, undefined, { reason });
  }
}
