import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest } from '@labwire/core';
import { ScheduleRun, ScheduleRunStatus, ScheduleRunTrigger } from './schedule';

export interface NewScheduleRun {
  scheduleId: string;
  trigger: ScheduleRunTrigger;
  tickAt: Date;
  status: ScheduleRunStatus;
  reason?: string | null;
  jobId?: string | null;
}

const COLUMNS = `r.id, r.schedule_id AS "scheduleId", r.workspace_id AS "workspaceId", r.trigger, r.tick_at AS "tickAt",
  r.status, r.reason, r.job_id AS "jobId", j.status AS "jobStatus", r.created_at AS "createdAt"`;
const FROM = `schedule_runs r LEFT JOIN jobs j ON j.id = r.job_id`;

/** The `schedule_runs` table: one row per tick (unique on schedule and tick) and per run-now. */
@Injectable()
export class ScheduleRunRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Records a run; false when this tick of the schedule is recorded already (another worker took it). */
  async insert(workspaceId: string, run: NewScheduleRun, em?: EntityManager): Promise<boolean> {
    const rows: unknown[] = await (em ?? this.dataSource.manager).query(
      `INSERT INTO schedule_runs (schedule_id, workspace_id, trigger, tick_at, status, reason, job_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (schedule_id, tick_at) WHERE trigger <> 'manual' DO NOTHING RETURNING id`,
      [run.scheduleId, workspaceId, run.trigger, run.tickAt, run.status, run.reason ?? null, run.jobId ?? null],
    );
    return rows.length > 0;
  }

  /** Whether a tick is recorded (for a catch-up that may have run already). */
  async tickRecorded(workspaceId: string, scheduleId: string, tickAt: Date, em?: EntityManager): Promise<boolean> {
    const rows: unknown[] = await (em ?? this.dataSource.manager).query(
      `SELECT 1 FROM schedule_runs WHERE schedule_id = $1 AND workspace_id = $2 AND tick_at = $3 AND trigger <> 'manual'`,
      [scheduleId, workspaceId, tickAt],
    );
    return rows.length > 0;
  }

  /**
   * Whether a tick of the schedule at the same wall-clock minute in `timezone` is recorded: on the
   * night clocks fall back, 02:30 comes twice, and a fixed-time schedule runs at the first only.
   */
  async wallClockTaken(
    workspaceId: string,
    scheduleId: string,
    tick: Date,
    timezone: string,
    em?: EntityManager,
  ): Promise<boolean> {
    const rows: unknown[] = await (em ?? this.dataSource.manager).query(
      `SELECT 1 FROM schedule_runs
        WHERE schedule_id = $1 AND workspace_id = $2 AND trigger <> 'manual' AND tick_at <> $3
          AND tick_at BETWEEN $3::timestamptz - interval '3 hours' AND $3::timestamptz + interval '3 hours'
          AND date_trunc('minute', tick_at AT TIME ZONE $4) = date_trunc('minute', $3::timestamptz AT TIME ZONE $4)
        LIMIT 1`,
      [scheduleId, workspaceId, tick, timezone],
    );
    return rows.length > 0;
  }

  /** The job of the schedule's run that is still queued or running, if any (a new run would overlap). */
  async activeJob(workspaceId: string, scheduleId: string, em?: EntityManager): Promise<string | null> {
    const rows: Array<{ id: string }> = await (em ?? this.dataSource.manager).query(
      `SELECT j.id FROM schedule_runs r JOIN jobs j ON j.id = r.job_id
        WHERE r.schedule_id = $1 AND r.workspace_id = $2 AND r.status = 'started' AND j.status IN ('queued', 'running')
        LIMIT 1`,
      [scheduleId, workspaceId],
    );
    return rows[0]?.id ?? null;
  }

  /** When the job of the schedule's last successful run was created (what `scope: new` counts from). */
  async lastSucceededJobCreatedAt(workspaceId: string, scheduleId: string): Promise<Date | null> {
    const rows: Array<{ at: Date }> = await this.dataSource.query(
      `SELECT max(j.created_at) AS at FROM schedule_runs r JOIN jobs j ON j.id = r.job_id
        WHERE r.schedule_id = $1 AND r.workspace_id = $2 AND j.status = 'succeeded'`,
      [scheduleId, workspaceId],
    );
    return rows[0]?.at ?? null;
  }

  /**
   * For the purge, across workspaces: telemetry exports (jobs of `kind`) that succeeded before
   * `before` and whose stored CSV is not deleted yet.
   */
  expiredExports(kind: string, before: Date, limit: number): Promise<Array<{ id: string; workspaceId: string }>> {
    return this.dataSource.query(
      `SELECT id, workspace_id AS "workspaceId" FROM jobs
        WHERE kind = $1 AND status = 'succeeded' AND finished_at < $2 AND NOT COALESCE((result ->> 'purged')::boolean, false)
        ORDER BY finished_at LIMIT $3`,
      [kind, before, limit],
    );
  }

  async markExportPurged(workspaceId: string, jobId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE jobs SET result = COALESCE(result, '{}'::jsonb) || '{"purged": true}'::jsonb, updated_at = now()
        WHERE id = $1 AND workspace_id = $2`,
      [jobId, workspaceId],
    );
  }

  async last(workspaceId: string, scheduleId: string): Promise<ScheduleRun | null> {
    const rows: ScheduleRun[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE r.schedule_id = $1 AND r.workspace_id = $2
        ORDER BY r.created_at DESC, r.tick_at DESC LIMIT 1`,
      [scheduleId, workspaceId],
    );
    return rows[0] ?? null;
  }

  /** The latest run of each of the schedules. */
  async lastOfEach(workspaceId: string, scheduleIds: string[]): Promise<Map<string, ScheduleRun>> {
    if (!scheduleIds.length) return new Map();
    const rows: ScheduleRun[] = await this.dataSource.query(
      `SELECT DISTINCT ON (r.schedule_id) ${COLUMNS} FROM ${FROM}
        WHERE r.workspace_id = $1 AND r.schedule_id = ANY($2::uuid[])
        ORDER BY r.schedule_id, r.created_at DESC, r.tick_at DESC`,
      [workspaceId, scheduleIds],
    );
    return new Map(rows.map((r) => [r.scheduleId, r]));
  }

  /** A page of the schedule's runs, newest first, skipped ones included. */
  async list(workspaceId: string, scheduleId: string, page: PageRequest): Promise<[ScheduleRun[], number]> {
    const rows: Array<ScheduleRun & { total: string }> = await this.dataSource.query(
      `WITH page AS (SELECT ${COLUMNS} FROM ${FROM} WHERE r.schedule_id = $1 AND r.workspace_id = $2
          ORDER BY r.created_at DESC, r.tick_at DESC, r.id LIMIT $3 OFFSET $4)
       SELECT c.total, page.* FROM (SELECT count(*) AS total FROM schedule_runs
          WHERE schedule_id = $1 AND workspace_id = $2) c LEFT JOIN page ON true`,
      [scheduleId, workspaceId, page.pageSize, (page.page - 1) * page.pageSize],
    );
    const total = rows.length ? Number(rows[0].total) : 0;
    return [rows[0]?.id ? rows.map(({ total: _total, ...r }) => r as ScheduleRun) : [], total];
  }
}
