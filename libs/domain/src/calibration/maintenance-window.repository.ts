import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { MaintenanceKind, MaintenanceWindow, MaintenanceWindowState } from './maintenance-window';

export interface NewMaintenanceWindow {
  instrumentId: string;
  startsAt: Date;
  endsAt: Date;
  kind: MaintenanceKind;
  notes: string | null;
  createdBy: string | null;
}

export const MAINTENANCE_WINDOW_SORT_FIELDS = ['startsAt', 'endsAt', 'createdAt'] as const;
export type MaintenanceWindowSortField = (typeof MAINTENANCE_WINDOW_SORT_FIELDS)[number];
const SORT_COLUMNS: Record<MaintenanceWindowSortField, string> = {
  startsAt: 'w.starts_at',
  endsAt: 'w.ends_at',
  createdAt: 'w.created_at',
};

export interface MaintenanceWindowFilter {
  state?: MaintenanceWindowState;
  kind?: MaintenanceKind;
}

/** An instrument whose status disagrees with its windows at a moment (see findOutOfStep). */
export interface OutOfStepInstrument {
  workspaceId: string;
  instrumentId: string;
}

const COLUMNS = `id, workspace_id AS "workspaceId", instrument_id AS "instrumentId", starts_at AS "startsAt",
  ends_at AS "endsAt", kind, notes, created_by AS "createdBy", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** `w` is open at `at` (a parameter): started, not yet ended. */
const OPEN_AT = (at: string) => `w.starts_at <= ${at} AND w.ends_at > ${at}`;

/** The `instrument_maintenance_windows` table; methods are scoped to a workspace (the sweep excepted). */
@Injectable()
export class MaintenanceWindowRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(workspaceId: string, w: NewMaintenanceWindow, em: EntityManager): Promise<MaintenanceWindow> {
    const rows: MaintenanceWindow[] = await em.query(
      `INSERT INTO instrument_maintenance_windows AS w (workspace_id, instrument_id, starts_at, ends_at, kind, notes, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [workspaceId, w.instrumentId, w.startsAt, w.endsAt, w.kind, w.notes, w.createdBy],
    );
    return rows[0];
  }

  async findInWorkspace(
    workspaceId: string,
    instrumentId: string,
    id: string,
    em?: EntityManager,
  ): Promise<MaintenanceWindow | null> {
    const rows: MaintenanceWindow[] = await (em ?? this.dataSource.manager).query(
      `SELECT ${COLUMNS} FROM instrument_maintenance_windows
        WHERE workspace_id = $1 AND instrument_id = $2 AND id = $3`,
      [workspaceId, instrumentId, id],
    );
    return rows[0] ?? null;
  }

  /** One page in the requested order, with the filtered total; `state` is judged at `now`. */
  async listOfInstrument(
    workspaceId: string,
    instrumentId: string,
    filter: MaintenanceWindowFilter,
    page: PageRequest,
    sort: SortField<MaintenanceWindowSortField>[],
    now: Date,
  ): Promise<[MaintenanceWindow[], number]> {
    const params: unknown[] = [workspaceId, instrumentId];
    const where = ['w.workspace_id = $1', 'w.instrument_id = $2'];
    if (filter.kind) {
      params.push(filter.kind);
      where.push(`w.kind = $${params.length}`);
    }
    if (filter.state) {
      params.push(now);
      const p = `$${params.length}`;
      where.push(
        filter.state === 'planned' ? `w.starts_at > ${p}` : filter.state === 'open' ? OPEN_AT(p) : `w.ends_at <= ${p}`,
      );
    }
    const whereSql = where.join(' AND ');
    const [{ total }]: Array<{ total: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM instrument_maintenance_windows w WHERE ${whereSql}`,
      params,
    );
    params.push(page.pageSize, (page.page - 1) * page.pageSize);
    const rows: MaintenanceWindow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM instrument_maintenance_windows w WHERE ${whereSql}
        ORDER BY ${[...sort.map((f) => `${SORT_COLUMNS[f.field]} ${f.direction}`), 'w.id DESC'].join(', ')} LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return [rows, total];
  }

  /** The window of the instrument open at `at` that ends last, if any (overlapping windows count as one span). */
  async openAt(instrumentId: string, at: Date, em: EntityManager): Promise<MaintenanceWindow | null> {
    const rows: MaintenanceWindow[] = await em.query(
      `SELECT ${COLUMNS} FROM instrument_maintenance_windows w
        WHERE w.instrument_id = $1 AND ${OPEN_AT('$2')} ORDER BY w.ends_at DESC LIMIT 1`,
      [instrumentId, at],
    );
    return rows[0] ?? null;
  }

  async delete(workspaceId: string, instrumentId: string, id: string, em: EntityManager): Promise<boolean> {
    const [, count]: [unknown, number] = await em.query(
      `DELETE FROM instrument_maintenance_windows WHERE workspace_id = $1 AND instrument_id = $2 AND id = $3`,
      [workspaceId, instrumentId, id],
    );
    return count > 0;
  }

  /**
   * Platform-wide, for the sweep: instruments whose status disagrees with their windows at `at` — an
   * active or offline one with a window open, or one a window put in maintenance with none open.
   */
  async findOutOfStep(at: Date, limit: number): Promise<OutOfStepInstrument[]> {
    // Driven from the open windows (few) and from the instruments a window put aside (few), never a
    // scan of every instrument.
    return this.dataSource.query(
      `SELECT DISTINCT i.workspace_id AS "workspaceId", i.id AS "instrumentId"
         FROM instrument_maintenance_windows w JOIN instruments i ON i.id = w.instrument_id
        WHERE ${OPEN_AT('$1')} AND i.status IN ('active', 'offline')
       UNION
       SELECT i.workspace_id, i.id FROM instruments i
        WHERE i.maintenance_resume_status IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM instrument_maintenance_windows w WHERE w.instrument_id = i.id AND ${OPEN_AT('$1')})
       LIMIT $2`,
      [at, limit],
    );
  }
}
