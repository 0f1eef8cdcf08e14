import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Page, PageRequest, SortField, toPage } from '@labwire/core';
import { JobProducer, TrackedJobData, TrackedJobName } from '@labwire/queue';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { JobEventPublisher } from './job-events';
import { Job, JobCounts, JobRowError, TERMINAL_JOB_STATUSES } from './job.entity';
import { JobPayloadRepository } from './job-payload.repository';
import { JobFilter, JobRepository, JobSortField, JobSummary } from './job.repository';
import { JobNotCancellableError, JobNotFoundError, JobNotRetryableError } from './jobs.errors';

/** A job still `queued` and unchanged after this, with nothing in its queue, was never queued. */
const ORPHAN_AFTER_MS = 5 * 60_000;
/**
 * Which job a worker call is about: the BullMQ payload of every tracked job; for the changes a run
 * makes, also the attempt it holds (`run`: the job's `attempts` once it started), so that an earlier
 * attempt still finishing after a later one started (it ran past its timeout) changes nothing.
 */
export type JobRef = TrackedJobData & { run?: number };

/** At most this many row errors are kept on a job (errorCount counts them all). */
export const MAX_JOB_ERRORS = 1000;
/** A running job writes (and publishes) its progress at most this often. */
export const PROGRESS_INTERVAL_MS = 250;

export interface NewJobSpec {
  kind: TrackedJobName;
  /** a summary of the request, shown with the job */
  input: Record<string, unknown>;
  counts?: JobCounts;
  errors?: JobRowError[];
  errorCount?: number;
  /** the bulk input the worker reads (job_payloads) */
  payload?: unknown;
  /** the schedule whose run this job is */
  scheduleId?: string;
  /**
   * Runs in the job's own transaction: e.g. a data source recording it as its last job, so the two
   * are committed together (also when the queue then refuses the job and it is left failed).
   */
  link?: (job: Job, em: EntityManager) => Promise<void>;
  /** the job runs this much later (a scheduled start) */
  delayMs?: number;
}

/**
 * What cancelling a job of one kind also does, registered by the context that owns the work (an
 * experiment run aborts its experiment). Runs inside the cancel's transaction with the job row locked,
 * before the job changes; a throw refuses the cancel. It may hand back work for after the commit.
 */
export type JobCancelHook = (em: EntityManager, job: Job, actor: Actor) => Promise<(() => Promise<void>) | void>;

export interface JobCompletion {
  counts: JobCounts;
  errors?: JobRowError[];
  errorCount?: number;
  result: Record<string, unknown>;
}

/**
 * Every user-visible background job: created and enqueued (the BullMQ job's id is the job's id),
 * started, advanced, finished, cancelled and retried. The api creates, cancels and retries; the
 * worker (through JobRunner) records each run. Every change is published for event streams.
 */
@Injectable()
export class JobsService {
  private readonly logger = new Logger('Jobs');
  /** when each running job of this process last wrote its progress */
  private readonly progressWrittenAt = new Map<string, number>();
  private readonly cancelHooks = new Map<TrackedJobName, JobCancelHook>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly jobs: JobRepository,
    private readonly payloads: JobPayloadRepository,
    private readonly producer: JobProducer,
    private readonly events: JobEventPublisher,
    private readonly audit: AuditService,
  ) {}

  async list(
    workspaceId: string,
    filter: JobFilter,
    page: PageRequest,
    sort: SortField<JobSortField>[],
  ): Promise<Page<JobSummary>> {
    const [items, total] = await this.jobs.listInWorkspace(workspaceId, filter, page, sort);
    return toPage(items, total, page);
  }

  async get(workspaceId: string, id: string): Promise<Job> {
    const job = await this.jobs.findInWorkspace(workspaceId, id);
    if (!job) throw new JobNotFoundError(id);
    return job;
  }

  /**
   * Records a job (with its payload and an audit entry, in one transaction) and enqueues it. The
   * caller checked the role the kind of work needs. When the queue does not take it, the job is
   * left failed (retryable) and the queue's error is thrown.
   */
  async create(workspaceId: string, actor: Actor, spec: NewJobSpec): Promise<Job> {
    const job = await this.dataSource.transaction(async (em) => {
      const created = await this.jobs.insert(
        workspaceId,
        {
          kind: spec.kind,
          input: spec.input,
          counts: spec.counts ?? {},
          errors: (spec.errors ?? []).slice(0, MAX_JOB_ERRORS),
          errorCount: spec.errorCount ?? spec.errors?.length ?? 0,
          createdBy: actor.userId,
          scheduleId: spec.scheduleId ?? null,
        },
        em,
      );
      if (spec.payload !== undefined) await this.payloads.insert(created.id, spec.payload, em);
      if (spec.link) await spec.link(created, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'create',
        entityType: 'job',
        entityId: created.id,
        changes: {
          kind: { to: spec.kind },
          input: { to: spec.input },
          ...(spec.scheduleId && { scheduleId: { to: spec.scheduleId } }),
        },
      });
      return created;
    });
    await this.events.publish('status', job);
    return this.enqueue(job, spec.delayMs);
  }

  /**
   * Cancels a job: a queued one at once (its BullMQ job is removed), a running one cooperatively (it
   * stops at its next check between chunks and ends cancelled). Cancelling a cancelled job changes
   * nothing; a finished one cannot be cancelled. A kind with a cancel hook also does what its hook
   * does, in the same transaction (cancelling an `experiment.run` aborts its experiment).
   */
  async cancel(membership: WorkspaceMembership, id: string, actor: Actor): Promise<Job> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const { job, changed, afterCommit } = await this.dataSource.transaction(async (em) => {
      const before = await this.jobs.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new JobNotFoundError(id);
      if (before.status === 'cancelled' || (before.status === 'running' && before.cancelRequested)) {
        return { job: before, changed: false, afterCommit: undefined };
      }
      if (TERMINAL_JOB_STATUSES.includes(before.status)) throw new JobNotCancellableError(before.status);
      const hook = this.cancelHooks.get(before.kind as TrackedJobName);
      const afterCommit = hook ? await hook(em, before, actor) : undefined;
      const after = (await this.jobs.requestCancel(workspaceId, id, em)) as Job;
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'job',
        entityId: id,
        changes: {
          ...(after.status !== before.status && { status: { from: before.status, to: after.status } }),
          cancelRequested: { from: false, to: true },
        },
      });
      return { job: after, changed: true, afterCommit };
    });
    if (changed) {
      if (job.status === 'cancelled') await this.removeFromQueue(job);
      await this.events.publish('status', job);
      if (afterCommit) await afterCommit();
    }
    return job;
  }

  /** Registers what cancelling a job of this kind also does (one hook per kind; see JobCancelHook). */
  onCancel(kind: TrackedJobName, hook: JobCancelHook): void {
    this.cancelHooks.set(kind, hook);
  }

  /** Queues a failed or cancelled job again: same id, same input, attempts counting on. */
  async retry(membership: WorkspaceMembership, id: string, actor: Actor): Promise<Job> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const current = await this.get(workspaceId, id);
    if (current.status !== 'failed' && current.status !== 'cancelled') throw new JobNotRetryableError(current.status);
    // BullMQ ignores a job whose id it still holds: the previous run's job goes first.
    if ((await this.producer.remove(current.kind as TrackedJobName, id)) === 'active') {
      throw new JobNotRetryableError(current.status, "The job's last run is still stopping; retry in a moment");
    }
    const job = await this.dataSource.transaction(async (em) => {
      const queued = await this.jobs.resetForRetry(workspaceId, id, em);
      if (!queued) {
        const now = await this.get(workspaceId, id);
        throw new JobNotRetryableError(now.status);
      }
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'job',
        entityId: id,
        changes: { status: { from: current.status, to: 'queued' } },
      });
      return queued;
    });
    await this.events.publish('status', job);
    return this.enqueue(job);
  }

  // ---- the worker's side: one run of a job ----

  /** A run starts (attempt + 1); null when the job is gone or not runnable, so the run is skipped. */
  async markRunning(ref: JobRef): Promise<Job | null> {
    const job = await this.jobs.markRunning(ref.workspaceId, ref.jobId);
    if (job) await this.events.publish('status', job);
    return job;
  }

  /** Throttled: writes and publishes at most every PROGRESS_INTERVAL_MS unless `force`. */
  async reportProgress(ref: JobRef, progress: number, counts: JobCounts, force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - (this.progressWrittenAt.get(ref.jobId) ?? 0) < PROGRESS_INTERVAL_MS) return;
    this.progressWrittenAt.set(ref.jobId, now);
    const job = await this.jobs.updateProgress(ref.workspaceId, ref.jobId, progress, counts, ref.run);
    if (job) await this.events.publish('progress', job);
  }

  cancelRequested(ref: JobRef): Promise<boolean> {
    return this.jobs.cancelRequested(ref.workspaceId, ref.jobId);
  }

  payloadOf<T>(ref: JobRef): Promise<T | null> {
    return this.payloads.findForJob<T>(ref.workspaceId, ref.jobId);
  }

  async complete(ref: JobRef, completion: JobCompletion): Promise<Job | null> {
    const job = await this.end(ref, {
      status: 'succeeded',
      counts: completion.counts,
      errors: completion.errors?.slice(0, MAX_JOB_ERRORS),
      errorCount: completion.errorCount,
      result: completion.result,
    });
    // Its input is spent (and a succeeded job cannot be retried).
    if (job) await this.payloads.deleteForJob(ref.workspaceId, ref.jobId);
    return job;
  }

  /** `rows`: the row errors the run had found, kept with the job (bounded) */
  markCancelled(
    ref: JobRef,
    counts?: JobCounts,
    rows?: { errors: JobRowError[]; errorCount: number },
  ): Promise<Job | null> {
    return this.end(ref, { status: 'cancelled', counts, ...this.bounded(rows) });
  }

  fail(
    ref: JobRef,
    error: string,
    counts?: JobCounts,
    rows?: { errors: JobRowError[]; errorCount: number },
  ): Promise<Job | null> {
    return this.end(ref, { status: 'failed', counts, error, ...this.bounded(rows) });
  }

  private bounded(rows?: { errors: JobRowError[]; errorCount: number }) {
    return rows ? { errors: rows.errors.slice(0, MAX_JOB_ERRORS), errorCount: rows.errorCount } : {};
  }

  /** An attempt failed and BullMQ will try again: the job waits, queued, saying why. */
  async requeue(ref: JobRef, error: string): Promise<void> {
    this.progressWrittenAt.delete(ref.jobId);
    const job = await this.jobs.requeue(ref.workspaceId, ref.jobId, error, ref.run);
    if (job) await this.events.publish('status', job);
  }

  private async end(ref: JobRef, end: Parameters<JobRepository['finish']>[2]): Promise<Job | null> {
    this.progressWrittenAt.delete(ref.jobId);
    const job = await this.jobs.finish(ref.workspaceId, ref.jobId, end, ref.run);
    if (job) await this.events.publish('status', job);
    return job;
  }

  private async enqueue(job: Job, delayMs?: number): Promise<Job> {
    try {
      await this.producer.enqueue(
        job.kind as TrackedJobName,
        { jobId: job.id, workspaceId: job.workspaceId },
        { jobId: job.id, ...(delayMs && { delayMs }) },
      );
      return job;
    } catch (err) {
      // Left failed, so it shows up and can be retried once the queue is back. (Should the add still
      // land later, the run finds the job failed and skips it.)
      const failed = await this.jobs.failQueued(
        job.workspaceId,
        job.id,
        `The job could not be queued: ${(err as Error).message}`,
      );
      if (failed) await this.events.publish('status', failed);
      throw err;
    }
  }

  /**
   * Queues again the jobs left `queued` with nothing in their queue: the process recording a job can
   * die before queueing it. Safe to run while jobs are created (only jobs unchanged for
   * `olderThanMs`), and twice (the BullMQ job id is the job's id, so a second add is ignored).
   */
  async requeueOrphans(olderThanMs = ORPHAN_AFTER_MS): Promise<{ requeued: number }> {
    const stale = await this.jobs.findStaleQueued(new Date(Date.now() - olderThanMs), 500);
    let requeued = 0;
    for (const job of stale) {
      if (await this.producer.exists(job.kind as TrackedJobName, job.id)) continue;
      await this.producer.enqueue(
        job.kind as TrackedJobName,
        { jobId: job.id, workspaceId: job.workspaceId },
        { jobId: job.id },
      );
      this.logger.warn(`job ${job.id} (${job.kind}) was queued with nothing in its queue: queued again`);
      requeued++;
    }
    return { requeued };
  }

  /** Best effort: a cancelled job's BullMQ job is skipped by the worker anyway. */
  private async removeFromQueue(job: Job): Promise<void> {
    try {
      await this.producer.remove(job.kind as TrackedJobName, job.id);
    } catch (err) {
      this.logger.warn(`job ${job.id}: not removed from its queue: ${(err as Error).message}`);
    }
  }
}
