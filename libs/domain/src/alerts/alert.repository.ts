import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest } from '@labwire/core';
import { Alert, AlertState } from './alert.types';

export interface AlertFilter {
  states?: AlertState[];
  priorities?: number[];
  key?: string;
  instrumentId?: string;
  /** alerts opened at or after */
  from?: Date;
  /** alerts opened before */
  to?: Date;
}

const columns = (t = '') => `${t}id, ${t}workspace_id AS "workspaceId", ${t}key, ${t}instrument_id AS "instrumentId",
  ${t}state, ${t}priority, ${t}note, ${t}trigger_count AS "triggerCount", ${t}escalations,
  ${t}opened_at AS "openedAt", ${t}last_triggered_at AS "lastTriggeredAt", ${t}acknowledged_at AS "acknowledgedAt",
  ${t}resolved_at AS "resolvedAt", ${t}resolution, ${t}updated_at AS "updatedAt"`;
const COLUMNS = columns();

/** The expression and predicate of "UQ_alerts_open", as ON CONFLICT must name them. */
const OPEN_ALERT_CONFLICT = `(workspace_id, key, COALESCE(instrument_id, '00000000-0000-0000-0000-000000000000'::uuid))
  WHERE state <> 'resolved'`;

/** TypeORM answers an UPDATE … RETURNING with [rows, affected], anything else with the rows. */
function first<T>(raw: unknown): T | null {
  const rows = (Array.isArray(raw) && Array.isArray(raw[0]) ? raw[0] : raw) as T[];
  return rows[0] ?? null;
}

/**
 * Alerts, in SQL. Opening is one upsert on the partial unique index (so concurrent triggers of one key
 * and instrument meet on one row); every other change is a conditional UPDATE naming the states it may
 * leave, so two closers never both win.
 */
@Injectable()
export class AlertRepository {
  constructor(private readonly dataSource: DataSource) {}

  private q(em?: EntityManager) {
    return em ?? this.dataSource.manager;
  }

  /**
   * Opens the alert, or re-triggers the open one: triggerCount + 1, lastTriggeredAt now, the note if
   * one is given, the priority if `overridePriority` (otherwise an open alert keeps its priority, escalated
   * or not). `inserted` says which.
   */
  async upsertTrigger(
    workspaceId: string,
    key: string,
    instrumentId: string | null,
    priority: number,
    overridePriority: boolean,
    note: string | null,
    em: EntityManager,
  ): Promise<{ alert: Alert; inserted: boolean }> {
    const rows: Array<Alert & { inserted: boolean }> = await em.query(
      `INSERT INTO alerts (workspace_id, key, instrument_id, priority, note, opened_at, last_triggered_at)
       VALUES ($1, $2, $3, $4, $5, clock_timestamp(), clock_timestamp())
       ON CONFLICT ${OPEN_ALERT_CONFLICT}
       DO UPDATE SET trigger_count = alerts.trigger_count + 1, last_triggered_at = clock_timestamp(),
                     priority = CASE WHEN $6::boolean THEN EXCLUDED.priority ELSE alerts.priority END,
                     note = COALESCE(EXCLUDED.note, alerts.note), updated_at = now()
       RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
      [workspaceId, key, instrumentId, priority, note, overridePriority],
    );
    const { inserted, ...alert } = rows[0];
    return { alert, inserted };
  }

  /** Resolves the open alert of (key, instrument or none); null when none is open. */
  async resolveOpen(
    workspaceId: string,
    key: string,
    instrumentId: string | null,
    resolution: 'cleared',
    note: string | null,
    em: EntityManager,
  ): Promise<Alert | null> {
    return first<Alert>(
      await em.query(
        `UPDATE alerts SET state = 'resolved', resolved_at = clock_timestamp(), resolution = $4,
                note = COALESCE($5, note), updated_at = now()
          WHERE workspace_id = $1 AND key = $2 AND instrument_id IS NOT DISTINCT FROM $3::uuid AND state <> 'resolved'
          RETURNING ${COLUMNS}`,
        [workspaceId, key, instrumentId, resolution, note],
      ),
    );
  }

  /** Acknowledges an active alert; null when it is not active (acknowledged already, resolved, absent). */
  async acknowledge(workspaceId: string, id: string, note: string | null, em: EntityManager): Promise<Alert | null> {
    return first<Alert>(
      await em.query(
        `UPDATE alerts SET state = 'acknowledged', acknowledged_at = clock_timestamp(), note = COALESCE($3, note),
                updated_at = now()
          WHERE workspace_id = $1 AND id = $2 AND state = 'active' RETURNING ${COLUMNS}`,
        [workspaceId, id, note],
      ),
    );
  }

  /**
   * Raises an active alert one priority step if it has escalated exactly `escalations` times so far:
   * a second run of the same escalation job finds the count moved on and changes nothing.
   */
  async escalate(id: string, escalations: number, em: EntityManager): Promise<Alert | null> {
    return first<Alert>(
      await em.query(
        `UPDATE alerts SET priority = priority - 1, escalations = escalations + 1, updated_at = now()
          WHERE id = $1 AND state = 'active' AND escalations = $2 AND priority > 1 RETURNING ${COLUMNS}`,
        [id, escalations],
      ),
    );
  }

  /** Resolves an open alert whose last trigger is at least `afterSeconds` old; null otherwise. */
  async autoResolve(id: string, afterSeconds: number, em: EntityManager): Promise<Alert | null> {
    return first<Alert>(
      await em.query(
        `UPDATE alerts SET state = 'resolved', resolved_at = clock_timestamp(), resolution = 'auto-resolved',
                updated_at = now()
          WHERE id = $1 AND state <> 'resolved'
            AND last_triggered_at + make_interval(secs => $2) <= clock_timestamp()
          RETURNING ${COLUMNS}`,
        [id, afterSeconds],
      ),
    );
  }

  async findInWorkspace(workspaceId: string, id: string, em?: EntityManager): Promise<Alert | null> {
    const rows: Alert[] = await this.q(em).query(`SELECT ${COLUMNS} FROM alerts WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      id,
    ]);
    return rows[0] ?? null;
  }

  /** An alert by id alone: jobs name the alert, not its workspace. */
  async findAny(id: string): Promise<Alert | null> {
    const rows: Alert[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM alerts WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async listInWorkspace(workspaceId: string, filter: AlertFilter, page: PageRequest): Promise<[Alert[], number]> {
    const params: unknown[] = [workspaceId];
    let where = 'workspace_id = $1';
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where += ` AND ${sql.replace('?', `$${params.length}`)}`;
    };
    if (filter.states?.length) add('state = ANY(?::text[])', filter.states);
    if (filter.priorities?.length) add('priority = ANY(?::int[])', filter.priorities);
    if (filter.key) add('key = ?', filter.key);
    if (filter.instrumentId) add('instrument_id = ?', filter.instrumentId);
    if (filter.from) add('opened_at >= ?', filter.from);
    if (filter.to) add('opened_at < ?', filter.to);
    const [items, count] = await Promise.all([
      this.dataSource.query(
        `SELECT ${COLUMNS} FROM alerts WHERE ${where} ORDER BY last_triggered_at DESC, id
          LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, page.pageSize, (page.page - 1) * page.pageSize],
      ) as Promise<Alert[]>,
      this.dataSource.query(`SELECT count(*) AS total FROM alerts WHERE ${where}`, params) as Promise<
        Array<{ total: string }>
      >,
    ]);
    return [items, Number(count[0].total)];
  }

  /**
   * The alert a display shows: the most urgent open alert (ties: the most recently triggered) of the
   * workspace, or of the instruments of one location, that no silence covers at `at`.
   */
  async current(workspaceId: string, locationId: string | null, at: Date, em?: EntityManager): Promise<Alert | null> {
    const params: unknown[] = [workspaceId, at];
    let scope = '';
    if (locationId) {
      params.push(locationId);
      scope = `AND a.instrument_id IN (SELECT id FROM instruments WHERE workspace_id = $1 AND location_id = $3)`;
    }
    const rows: Alert[] = await this.q(em).query(
      `SELECT ${columns('a.')} FROM alerts a
        WHERE a.workspace_id = $1 AND a.state <> 'resolved' ${scope}
          AND NOT EXISTS (SELECT 1 FROM alert_silences s
                           WHERE s.workspace_id = a.workspace_id AND s.starts_at <= $2 AND s.ends_at > $2
                             AND (s.key IS NULL OR s.key = a.key)
                             AND (s.instrument_id IS NULL OR s.instrument_id = a.instrument_id))
        ORDER BY a.priority ASC, a.last_triggered_at DESC, a.id
        LIMIT 1`,
      params,
    );
    return rows[0] ?? null;
  }

  /** Open alerts whose escalation or auto-resolution may be due (a safety net for lost delayed jobs). */
  async openIds(limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM alerts WHERE state <> 'resolved' ORDER BY last_triggered_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  /** Deletes resolved alerts (their history goes with them) resolved before `before`. */
  async purgeResolvedBefore(before: Date): Promise<number> {
    const raw: unknown = await this.dataSource.query(
      `DELETE FROM alerts WHERE state = 'resolved' AND resolved_at < $1`,
      [before],
    );
    return Array.isArray(raw) && typeof raw[1] === 'number' ? raw[1] : 0;
  }
}
