import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@labwire/core';
import { TrackedJobOutcome } from '@labwire/queue';
import { Job, JobCounts, JobRowError } from './job.entity';
import { JobCancelledError, JobPausedError } from './jobs.errors';
import { JobCompletion, JobRef, JobsService } from './jobs.service';

/** Which BullMQ attempt this run is (1-based) of how many: the last one fails the job for good. */
export interface JobAttempt {
  number: number;
  max: number;
}

/** What running work gets: its job, progress reporting and the check it makes between chunks. */
export interface JobContext {
  ref: JobRef;
  /** the row as the run started */
  job: Job;
  /** throttled; `counts` also become the job's counts should the run be cancelled or fail */
  progress(fraction: number, counts: JobCounts): Promise<void>;
  /** throws when the job was cancelled (ends the run cancelled) or ran past its timeout */
  checkpoint(): Promise<void>;
  /**
   * The row errors found so far (the first MAX_JOB_ERRORS of them, and how many in all): kept on the
   * job should the run fail or be cancelled, so the rows that made an ingestion fail can be read.
   */
  rowErrors(errors: JobRowError[], errorCount: number): void;
}

/** What finished work hands back: the job's final counts, row errors and result. */
export interface JobWork<R extends Record<string, unknown>> extends JobCompletion {
  result: R;
}

export interface JobRun<R> {
  outcome: TrackedJobOutcome;
  result?: R;
}

interface RowErrors {
  errors: JobRowError[];
  errorCount: number;
}

class JobTimedOutError extends Error {
  constructor() {
    super('the job ran past its timeout');
    this.name = 'JobTimedOutError';
  }
}

/**
 * Runs one attempt of a tracked job around the work itself: marks it running (or skips a job that
 * was cancelled or is gone), lets the work report progress and check for cancellation, and records
 * how the attempt ended: succeeded, cancelled, failed at once on a domain error (no attempt would
 * go differently), or, on any other error, back to queued for BullMQ's next attempt or failed after
 * the last one (the error is rethrown so BullMQ counts the attempt).
 */
@Injectable()
export class JobRunner {
  private readonly logger = new Logger('JobRunner');

  constructor(private readonly jobs: JobsService) {}

  async run<R extends Record<string, unknown>>(
    ref: JobRef,
    attempt: JobAttempt,
    signal: AbortSignal,
    work: (context: JobContext) => Promise<JobWork<R>>,
  ): Promise<JobRun<R>> {
    const job = await this.jobs.markRunning(ref);
    if (!job) {
      this.logger.log(`job ${ref.jobId} skipped: gone, finished or cancelled before it started`);
      return { outcome: 'skipped' };
    }
    if (job.status === 'cancelled') return { outcome: 'cancelled' };
    // This run's changes hold only while the job is in this attempt (see JobRef).
    ref = { ...ref, run: job.attempts };
    let counts = job.counts;
    let rows: RowErrors | undefined;
    const context: JobContext = {
      ref,
      job,
      progress: async (fraction, latest) => {
        counts = latest;
        await this.jobs.reportProgress(ref, fraction, latest);
      },
      checkpoint: async () => {
        if (signal.aborted) throw new JobTimedOutError();
        if (await this.jobs.cancelRequested(ref)) throw new JobCancelledError();
      },
      rowErrors: (errors, errorCount) => {
        rows = { errors, errorCount };
      },
    };
    try {
      const done = await work(context);
      await this.jobs.complete(ref, done);
      return { outcome: 'succeeded', result: done.result };
    } catch (err) {
      // Paused for a shutdown: not an attempt that failed; the job stays running until the next run.
      if (err instanceof JobPausedError) throw err;
      if (err instanceof JobCancelledError) {
        await this.jobs.markCancelled(ref, counts, rows);
        return { outcome: 'cancelled' };
      }
      const message = describe(err);
      // A domain error (the instrument is gone, the input is refused) is the same on every attempt.
      if (err instanceof DomainError) {
        await this.jobs.fail(ref, message, counts, rows);
        return { outcome: 'failed' };
      }
      if (attempt.number >= attempt.max) await this.jobs.fail(ref, message, counts, rows);
      else await this.jobs.requeue(ref, `attempt ${attempt.number} of ${attempt.max} failed: ${message}`);
      throw err;
    }
  }

  /**
   * BullMQ failed the job without running it, e.g. because its workers kept dying (it "stalled more
   * than allowable limit"). The last run that died left the job running and nothing else would end
   * it (cancel only asks a run to stop; retry refuses a running job): it ends here, cancelled if that
   * was asked for, else failed, so it can be retried.
   */
  async abandoned(ref: JobRef, reason: string): Promise<void> {
    const ended = (await this.jobs.cancelRequested(ref))
      ? await this.jobs.markCancelled(ref)
      : await this.jobs.fail(ref, `The job was given up: ${reason} (its worker stopped while running it)`);
    if (ended) this.logger.warn(`job ${ref.jobId} ${ended.status}: BullMQ gave it up (${reason})`);
  }
}

/** What users read about a failure: domain errors say what went wrong; anything else is in the worker log. */
function describe(err: unknown): string {
  if (err instanceof DomainError || err instanceof JobTimedOutError) return err.message;
  const name = err instanceof Error ? err.name : typeof err;
  return `Internal error (${name}); the worker log has the details`;
}
