import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { Schedule, ScheduleConfig, ScheduleKind, ScheduleState } from './schedule';

export interface ScheduleFilter {
  kind?: ScheduleKind;
}

export const SCHEDULE_SORT_FIELDS = ['createdAt', 'name'] as const;
export type ScheduleSortField = (typeof SCHEDULE_SORT_FIELDS)[number];

const SORT_COLUMNS: Record<ScheduleSortField, string> = { createdAt: 'created_at', name: 'name' };

export interface NewSchedule {
  name: string;
  kind: ScheduleKind;
  config: ScheduleConfig;
  cron: string | null;
  timezone: string | null;
  intervalMs: number | null;
  startAt: Date | null;
  endAt: Date | null;
  enabled: boolean;
  createdBy: string;
}

/** The fields an update may set; a timing change also bumps the revision and resets the anchor. */
export type ScheduleChanges = Partial<
  Pick<Schedule, 'name' | 'config' | 'cron' | 'timezone' | 'intervalMs' | 'startAt' | 'endAt' | 'enabled' | 'state'>
> & { suspendedReason?: string | null; timingChanged?: boolean };

export const SCHEDULE_COLUMNS = `s.id, s.workspace_id AS "workspaceId", s.name, s.kind, s.config, s.cron, s.timezone,
  s.interval_ms::float8 AS "intervalMs", s.start_at AS "startAt", s.end_at AS "endAt", s.anchor_at AS "anchorAt",
  s.enabled, s.suspended_reason AS "suspendedReason", s.suspended_at AS "suspendedAt", s.revision, s.state,
  s.created_by AS "createdBy", s.created_at AS "createdAt", s.updated_at AS "updatedAt"`;

/** The `schedules` table; every method of one schedule takes its workspace id. */
@Injectable()
export class ScheduleRepository {
  constructor(private readonly dataSource: DataSource) {}

  private manager(em?: EntityManager): EntityManager {
    return em ?? this.dataSource.manager;
  }

  private async one(sql: string, params: unknown[], em?: EntityManager): Promise<Schedule | null> {
    const result: Schedule[] | [Schedule[], number] = await this.manager(em).query(sql, params);
    const rows = Array.isArray(result[0]) ? (result[0] as Schedule[]) : (result as Schedule[]);
    return rows[0] ?? null;
  }

  async insert(workspaceId: string, s: NewSchedule, em: EntityManager): Promise<Schedule> {
    const row = await this.one(
      `INSERT INTO schedules AS s (workspace_id, name, kind, config, cron, timezone, interval_ms, start_at, end_at,
         anchor_at, enabled, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE($8::timestamptz, now()), $10, $11) RETURNING ${SCHEDULE_COLUMNS}`,
      [
        workspaceId,
        s.name,
        s.kind,
        JSON.stringify(s.config),
        s.cron,
        s.timezone,
        s.intervalMs,
        s.startAt,
        s.endAt,
        s.enabled,
        s.createdBy,
      ],
      em,
    );
    return row as Schedule;
  }

  findInWorkspace(workspaceId: string, id: string, em?: EntityManager): Promise<Schedule | null> {
    return this.one(
      `SELECT ${SCHEDULE_COLUMNS} FROM schedules s WHERE s.id = $1 AND s.workspace_id = $2`,
      [id, workspaceId],
      em,
    );
  }

  lockInWorkspace(workspaceId: string, id: string, em: EntityManager): Promise<Schedule | null> {
    return this.one(
      `SELECT ${SCHEDULE_COLUMNS} FROM schedules s WHERE s.id = $1 AND s.workspace_id = $2 FOR UPDATE`,
      [id, workspaceId],
      em,
    );
  }

  /** Takes the workspace's schedules lock (the per-workspace limit is counted under it). */
  async countLocked(workspaceId: string, em: EntityManager): Promise<number> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtext('schedules:' || $1::text))`, [workspaceId]);
    const rows: Array<{ n: number }> = await em.query(
      `SELECT count(*)::int AS n FROM schedules WHERE workspace_id = $1`,
      [workspaceId],
    );
    return rows[0].n;
  }

  async listInWorkspace(
    workspaceId: string,
    filter: ScheduleFilter,
    page: PageRequest,
    sort: SortField<ScheduleSortField>[],
  ): Promise<[Schedule[], number]> {
    const params: unknown[] = [workspaceId];
    const where = ['s.workspace_id = $1'];
    if (filter.kind) where.push(`s.kind = $${params.push(filter.kind)}`);
    const order = [...sort.map((x) => `s.${SORT_COLUMNS[x.field]} ${x.direction}`), 's.id ASC'];
    const whereSql = where.join(' AND ');
    params.push(page.pageSize, (page.page - 1) * page.pageSize);
    const rows: Array<Schedule & { total: string }> = await this.dataSource.query(
      `WITH page AS (SELECT ${SCHEDULE_COLUMNS} FROM schedules s WHERE ${whereSql}
          ORDER BY ${order.join(', ')} LIMIT $${params.length - 1} OFFSET $${params.length})
       SELECT c.total, page.* FROM (SELECT count(*) AS total FROM schedules s WHERE ${whereSql}) c
         LEFT JOIN page ON true`,
      params,
    );
    const total = rows.length ? Number(rows[0].total) : 0;
    return [rows[0]?.id ? rows.map(({ total: _total, ...s }) => s as Schedule) : [], total];
  }

  /** For the worker's reconciliation, across workspaces: every schedule that should fire, by id. */
  async findFiring(): Promise<Schedule[]> {
    return this.dataSource.query(
      `SELECT ${SCHEDULE_COLUMNS} FROM schedules s
        WHERE s.enabled AND s.suspended_reason IS NULL AND (s.end_at IS NULL OR s.end_at > now())`,
    );
  }

  /** For a tick (the worker has the ids from the job): the schedule, locked until the transaction ends. */
  lockForRun(workspaceId: string, id: string, em: EntityManager): Promise<Schedule | null> {
    return this.lockInWorkspace(workspaceId, id, em);
  }

  async update(workspaceId: string, id: string, changes: ScheduleChanges, em: EntityManager): Promise<Schedule | null> {
    const sets: string[] = [];
    const params: unknown[] = [id, workspaceId];
    const set = (column: string, value: unknown, cast = '') => sets.push(`${column} = $${params.push(value)}${cast}`);
    if (changes.name !== undefined) set('name', changes.name);
    if (changes.config !== undefined) set('config', JSON.stringify(changes.config), '::jsonb');
    if (changes.state !== undefined) set('state', JSON.stringify(changes.state), '::jsonb');
    if (changes.cron !== undefined) set('cron', changes.cron);
    if (changes.timezone !== undefined) set('timezone', changes.timezone);
    if (changes.intervalMs !== undefined) set('interval_ms', changes.intervalMs);
    if (changes.startAt !== undefined) set('start_at', changes.startAt);
    if (changes.endAt !== undefined) set('end_at', changes.endAt);
    if (changes.enabled !== undefined) set('enabled', changes.enabled);
    if (changes.suspendedReason !== undefined) {
      set('suspended_reason', changes.suspendedReason);
      sets.push(`suspended_at = CASE WHEN $${params.length}::text IS NULL THEN NULL ELSE now() END`);
    }
    if (changes.timingChanged) {
      // SET expressions read the old row: a start set by this same update is passed again
      const start = changes.startAt !== undefined ? `$${params.push(changes.startAt)}::timestamptz` : 'start_at';
      sets.push('revision = revision + 1', `anchor_at = COALESCE(${start}, now())`);
    }
    sets.push('updated_at = now()');
    return this.one(
      `UPDATE schedules s SET ${sets.join(', ')} WHERE s.id = $1 AND s.workspace_id = $2 RETURNING ${SCHEDULE_COLUMNS}`,
      params,
      em,
    );
  }

  async setState(workspaceId: string, id: string, state: ScheduleState, em: EntityManager): Promise<void> {
    await em.query(`UPDATE schedules SET state = $3 WHERE id = $1 AND workspace_id = $2`, [
      id,
      workspaceId,
      JSON.stringify(state),
    ]);
  }

  async delete(workspaceId: string, id: string, em: EntityManager): Promise<void> {
    await em.query(`DELETE FROM schedules WHERE id = $1 AND workspace_id = $2`, [id, workspaceId]);
  }
}
