import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest } from '@labwire/core';
import { AlertAction, AlertActorKind, AlertHistoryEntry, AlertState } from './alert.types';

export interface NewAlertHistoryEntry {
  alertId: string | null;
  key: string;
  instrumentId: string | null;
  action: AlertAction;
  state: AlertState | null;
  priority: number | null;
  note: string | null;
  actorKind: AlertActorKind;
  actorId: string | null;
}

export interface AlertHistoryFilter {
  alertId?: string;
  key?: string;
  instrumentId?: string;
  actions?: AlertAction[];
  actorKind?: AlertActorKind;
  from?: Date;
  to?: Date;
}

const COLUMNS = `id, workspace_id AS "workspaceId", alert_id AS "alertId", key, instrument_id AS "instrumentId", action,
  state, priority, note, actor_kind AS "actorKind", actor_id AS "actorId", at`;

/** The alert history: one row per transition, written in the transaction that makes it, never updated. */
@Injectable()
export class AlertHistoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(workspaceId: string, e: NewAlertHistoryEntry, em: EntityManager): Promise<AlertHistoryEntry> {
    const rows: AlertHistoryEntry[] = await em.query(
      `INSERT INTO alert_history (workspace_id, alert_id, key, instrument_id, action, state, priority, note,
                                  actor_kind, actor_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
      [workspaceId, e.alertId, e.key, e.instrumentId, e.action, e.state, e.priority, e.note, e.actorKind, e.actorId],
    );
    return rows[0];
  }

  private where(workspaceId: string, f: AlertHistoryFilter): { where: string; params: unknown[] } {
    const params: unknown[] = [workspaceId];
    let where = 'workspace_id = $1';
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where += ` AND ${sql.replace('?', `$${params.length}`)}`;
    };
    if (f.alertId) add('alert_id = ?', f.alertId);
    if (f.key) add('key = ?', f.key);
    if (f.instrumentId) add('instrument_id = ?', f.instrumentId);
    if (f.actions?.length) add('action = ANY(?::text[])', f.actions);
    if (f.actorKind) add('actor_kind = ?', f.actorKind);
    if (f.from) add('at >= ?', f.from);
    if (f.to) add('at < ?', f.to);
    return { where, params };
  }

  /** Newest first. */
  async listInWorkspace(
    workspaceId: string,
    filter: AlertHistoryFilter,
    page: PageRequest,
  ): Promise<[AlertHistoryEntry[], number]> {
    const { where, params } = this.where(workspaceId, filter);
    const [items, count] = await Promise.all([
      this.dataSource.query(
        `SELECT ${COLUMNS} FROM alert_history WHERE ${where} ORDER BY at DESC, id
          LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, page.pageSize, (page.page - 1) * page.pageSize],
      ) as Promise<AlertHistoryEntry[]>,
      this.dataSource.query(`SELECT count(*) AS total FROM alert_history WHERE ${where}`, params) as Promise<
        Array<{ total: string }>
      >,
    ]);
    return [items, Number(count[0].total)];
  }

  /** Every matching entry, oldest first, in pages of `batch` (for the CSV export). */
  async *streamInWorkspace(
    workspaceId: string,
    filter: AlertHistoryFilter,
    batch = 1000,
  ): AsyncGenerator<AlertHistoryEntry[]> {
    const { where, params } = this.where(workspaceId, filter);
    let after: { at: Date; id: string } | null = null;
    for (;;) {
      const p: unknown[] = [...params];
      let cursor = '';
      if (after) {
        p.push(after.at, after.id);
        cursor = ` AND (at, id) > ($${p.length - 1}, $${p.length})`;
      }
      const rows: AlertHistoryEntry[] = await this.dataSource.query(
        `SELECT ${COLUMNS} FROM alert_history WHERE ${where}${cursor} ORDER BY at, id LIMIT ${batch}`,
        p,
      );
      if (!rows.length) return;
      yield rows;
      if (rows.length < batch) return;
      const last = rows[rows.length - 1];
      after = { at: last.at, id: last.id };
    }
  }

  /** Deletes entries older than `before` (those of alerts still open are kept). */
  async purgeBefore(before: Date): Promise<number> {
    const raw: unknown = await this.dataSource.query(
      `DELETE FROM alert_history h WHERE h.at < $1
          AND (h.alert_id IS NULL OR NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = h.alert_id AND a.state <> 'resolved'))`,
      [before],
    );
    return Array.isArray(raw) && typeof raw[1] === 'number' ? raw[1] : 0;
  }
}
