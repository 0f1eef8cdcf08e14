import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { Job, JobCounts, JobRowError, JobStatus } from './job.entity';

export interface JobFilter {
  kind?: string;
  status?: JobStatus;
  /** the runs of one schedule */
  scheduleId?: string;
}

export const JOB_SORT_FIELDS = ['createdAt', 'finishedAt', 'status', 'kind'] as const;
export type JobSortField = (typeof JOB_SORT_FIELDS)[number];

const SORT_COLUMNS: Record<JobSortField, string> = {
  createdAt: 'created_at',
  finishedAt: 'finished_at',
  status: 'status',
  kind: 'kind',
};

export interface NewJob {
  kind: string;
  input: Record<string, unknown>;
  counts: JobCounts;
  errors: JobRowError[];
  errorCount: number;
  createdBy: string | null;
  scheduleId?: string | null;
}

/** How a run ended, as the worker records it. */
export interface JobFinish {
  status: Extract<JobStatus, 'succeeded' | 'failed' | 'cancelled'>;
  counts?: JobCounts;
  errors?: JobRowError[];
  errorCount?: number;
  error?: string | null;
  result?: Record<string, unknown> | null;
}

/** A job without its row errors: what lists show. */
export type JobSummary = Omit<Job, 'errors'>;

const SUMMARY_COLUMNS = `id, workspace_id AS "workspaceId", kind, status, progress, counts, error_count AS "errorCount",
  error, attempts, input, result, cancel_requested AS "cancelRequested", created_by AS "createdBy", schedule_id AS "scheduleId",
  created_at AS "createdAt", started_at AS "startedAt", finished_at AS "finishedAt", updated_at AS "updatedAt"`;
const COLUMNS = `${SUMMARY_COLUMNS}, errors`;
/** A run's change applies only while the job is still in that run (its attempt); no run: any. */
const IN_RUN = (param: string) => `(${param}::int IS NULL OR attempts = ${param}::int)`;

/**
 * The `jobs` table. Every method takes the workspace id (the worker has it from the job payload), so
 * no statement reaches another workspace's jobs. State changes are single conditional UPDATEs: the
 * row's current status decides, so the api (cancel, retry) and the worker (start, finish) never
 * overwrite each other's transitions.
 */
@Injectable()
export class JobRepository {
  constructor(private readonly dataSource: DataSource) {}

  private async one(sql: string, params: unknown[], em?: EntityManager): Promise<Job | null> {
    const result: [Job[], number] | Job[] = await (em ?? this.dataSource.manager).query(sql, params);
    // UPDATE … RETURNING answers [rows, count]; SELECT answers rows
    const rows = Array.isArray(result[0]) ? (result[0] as Job[]) : (result as Job[]);
    return rows[0] ?? null;
  }

  async insert(workspaceId: string, job: NewJob, em: EntityManager): Promise<Job> {
    const row = await this.one(
      `INSERT INTO jobs (workspace_id, kind, input, counts, errors, error_count, created_by, schedule_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [
        workspaceId,
        job.kind,
        JSON.stringify(job.input),
        JSON.stringify(job.counts),
        JSON.stringify(job.errors),
        job.errorCount,
        job.createdBy,
        job.scheduleId ?? null,
      ],
      em,
    );
    return row as Job;
  }

  /**
   * For the maintenance sweep, across workspaces: jobs `queued` without a change since `before`
   * (a queued job normally starts within seconds, or sits in its queue, which the sweep checks).
   */
  findStaleQueued(before: Date, limit: number): Promise<Job[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM jobs WHERE status = 'queued' AND updated_at < $1 ORDER BY updated_at LIMIT $2`,
      [before, limit],
    );
  }

  findInWorkspace(workspaceId: string, id: string, em?: EntityManager): Promise<Job | null> {
    return this.one(`SELECT ${COLUMNS} FROM jobs WHERE id = $1 AND workspace_id = $2`, [id, workspaceId], em);
  }

  lockInWorkspace(workspaceId: string, id: string, em: EntityManager): Promise<Job | null> {
    return this.one(
      `SELECT ${COLUMNS} FROM jobs WHERE id = $1 AND workspace_id = $2 FOR UPDATE`,
      [id, workspaceId],
      em,
    );
  }

  /** One page of the workspace's jobs (without their row errors) and the filtered total. */
  async listInWorkspace(
    workspaceId: string,
    filter: JobFilter,
    page: PageRequest,
    sort: SortField<JobSortField>[],
  ): Promise<[JobSummary[], number]> {
    const params: unknown[] = [workspaceId];
    const where = ['workspace_id = $1'];
    if (filter.kind) where.push(`kind = $${params.push(filter.kind)}`);
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.scheduleId) where.push(`schedule_id = $${params.push(filter.scheduleId)}`);
    const order = sort.map(
      (s) => `${SORT_COLUMNS[s.field]} ${s.direction}${s.field === 'finishedAt' ? ' NULLS LAST' : ''}`,
    );
    order.push('id ASC');
    const whereSql = where.join(' AND ');
    params.push(page.pageSize, (page.page - 1) * page.pageSize);
    const rows: Array<JobSummary & { total: string }> = await this.dataSource.query(
      `WITH page AS (
         SELECT ${SUMMARY_COLUMNS} FROM jobs WHERE ${whereSql}
          ORDER BY ${order.join(', ')} LIMIT $${params.length - 1} OFFSET $${params.length})
       SELECT c.total, page.* FROM (SELECT count(*) AS total FROM jobs WHERE ${whereSql}) c LEFT JOIN page ON true`,
      params,
    );
    const total = rows.length ? Number(rows[0].total) : 0;
    return [rows[0]?.id ? rows : [], total];
  }

  /**
   * A run starts: a queued job (or a running one whose worker died, redelivered by BullMQ) becomes
   * running with one more attempt. A job whose cancel was requested meanwhile ends cancelled instead.
   * Null when the job is gone or in a state that does not run (cancelled while queued, finished).
   */
  markRunning(workspaceId: string, id: string): Promise<Job | null> {
    return this.one(
      `UPDATE jobs SET
         status = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'running' END,
         attempts = attempts + CASE WHEN cancel_requested THEN 0 ELSE 1 END,
         started_at = CASE WHEN cancel_requested THEN started_at ELSE now() END,
         finished_at = CASE WHEN cancel_requested THEN now() ELSE NULL END,
         error = CASE WHEN cancel_requested THEN error ELSE NULL END,
         updated_at = now()
       WHERE id = $1 AND workspace_id = $2 AND status IN ('queued', 'running')
       RETURNING ${COLUMNS}`,
      [id, workspaceId],
    );
  }

  /** Progress of a running job; null when it is not running (any more, or in attempt `run`). */
  updateProgress(
    workspaceId: string,
    id: string,
    progress: number,
    counts: JobCounts,
    run?: number,
  ): Promise<Job | null> {
    return this.one(
      `UPDATE jobs SET progress = $3, counts = $4, updated_at = now()
        WHERE id = $1 AND workspace_id = $2 AND status = 'running' AND ${IN_RUN('$5')}
        RETURNING ${SUMMARY_COLUMNS}, '[]'::jsonb AS errors`,
      [id, workspaceId, Math.min(1, Math.max(0, progress)), JSON.stringify(counts), run ?? null],
    );
  }

  /** The cheap check running work makes between chunks: one primary-key read. */
  async cancelRequested(workspaceId: string, id: string): Promise<boolean> {
    const rows: Array<{ cancelRequested: boolean }> = await this.dataSource.query(
      `SELECT cancel_requested AS "cancelRequested" FROM jobs WHERE id = $1 AND workspace_id = $2`,
      [id, workspaceId],
    );
    // a job deleted with its workspace has nothing left to do
    return rows[0]?.cancelRequested ?? true;
  }

  /** Ends a running job; null when it was not running (or not in attempt `run`). */
  finish(workspaceId: string, id: string, end: JobFinish, run?: number): Promise<Job | null> {
    return this.one(
      `UPDATE jobs SET status = $3,
         progress = CASE WHEN $3 = 'succeeded' THEN 1 ELSE progress END,
         counts = COALESCE($4::jsonb, counts),
         errors = COALESCE($5::jsonb, errors),
         error_count = COALESCE($6::int, error_count),
         error = $7, result = $8::jsonb, finished_at = now(), updated_at = now()
       WHERE id = $1 AND workspace_id = $2 AND status = 'running' AND ${IN_RUN('$9')}
       RETURNING ${COLUMNS}`,
      [
        id,
        workspaceId,
        end.status,
        end.counts ? JSON.stringify(end.counts) : null,
        end.errors ? JSON.stringify(end.errors) : null,
        end.errorCount ?? null,
        end.error ?? null,
        end.result ? JSON.stringify(end.result) : null,
        run ?? null,
      ],
    );
  }

  /** A failed attempt that BullMQ will try again: back to queued, saying why the attempt failed. */
  requeue(workspaceId: string, id: string, error: string, run?: number): Promise<Job | null> {
    return this.one(
      `UPDATE jobs SET status = 'queued', error = $3, updated_at = now()
        WHERE id = $1 AND workspace_id = $2 AND status = 'running' AND ${IN_RUN('$4')} RETURNING ${COLUMNS}`,
      [id, workspaceId, error, run ?? null],
    );
  }

  /**
   * Cancel: a queued job is cancelled at once; a running one is flagged and stops at its next check.
   * Null when the job is in neither state (or gone).
   */
  requestCancel(workspaceId: string, id: string, em: EntityManager): Promise<Job | null> {
    return this.one(
      `UPDATE jobs SET cancel_requested = true,
         status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
         finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END,
         updated_at = now()
       WHERE id = $1 AND workspace_id = $2 AND status IN ('queued', 'running')
       RETURNING ${COLUMNS}`,
      [id, workspaceId],
      em,
    );
  }

  /** Retry: a failed or cancelled job is queued again (same id, attempts kept); null otherwise. */
  resetForRetry(workspaceId: string, id: string, em: EntityManager): Promise<Job | null> {
    return this.one(
      `UPDATE jobs SET status = 'queued', cancel_requested = false, progress = 0, error = NULL, result = NULL,
         started_at = NULL, finished_at = NULL, updated_at = now()
       WHERE id = $1 AND workspace_id = $2 AND status IN ('failed', 'cancelled')
       RETURNING ${COLUMNS}`,
      [id, workspaceId],
      em,
    );
  }

  /** The queue did not take a new or retried job: it fails at once, and can be retried later. */
  failQueued(workspaceId: string, id: string, error: string): Promise<Job | null> {
    return this.one(
      `UPDATE jobs SET status = 'failed', error = $3, finished_at = now(), updated_at = now()
        WHERE id = $1 AND workspace_id = $2 AND status = 'queued' RETURNING ${COLUMNS}`,
      [id, workspaceId, error],
    );
  }
}
