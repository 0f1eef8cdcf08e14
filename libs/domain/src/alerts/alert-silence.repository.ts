import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest } from '@labwire/core';

export interface AlertSilence {
  id: string;
  workspaceId: string;
  key: string | null;
  instrumentId: string | null;
  startsAt: Date;
  endsAt: Date;
  reason: string;
  createdByUserId: string | null;
  createdAt: Date;
}

export interface NewAlertSilence {
  key: string | null;
  instrumentId: string | null;
  startsAt: Date;
  endsAt: Date;
  reason: string;
  createdByUserId: string | null;
}

const COLUMNS = `id, workspace_id AS "workspaceId", key, instrument_id AS "instrumentId", starts_at AS "startsAt",
  ends_at AS "endsAt", reason, created_by_user_id AS "createdByUserId", created_at AS "createdAt"`;

/** Alert silences, in SQL; every method is scoped by workspace. */
@Injectable()
export class AlertSilenceRepository {
  constructor(private readonly dataSource: DataSource) {}

  private q(em?: EntityManager) {
    return em ?? this.dataSource.manager;
  }

  async insert(workspaceId: string, s: NewAlertSilence, em: EntityManager): Promise<AlertSilence> {
    const rows: AlertSilence[] = await em.query(
      `INSERT INTO alert_silences (workspace_id, key, instrument_id, starts_at, ends_at, reason, created_by_user_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [workspaceId, s.key, s.instrumentId, s.startsAt, s.endsAt, s.reason, s.createdByUserId],
    );
    return rows[0];
  }

  async update(
    workspaceId: string,
    id: string,
    s: Omit<NewAlertSilence, 'createdByUserId'>,
    em: EntityManager,
  ): Promise<AlertSilence | null> {
    const raw: unknown = await em.query(
      `UPDATE alert_silences SET key = $3, instrument_id = $4, starts_at = $5, ends_at = $6, reason = $7
        WHERE workspace_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [workspaceId, id, s.key, s.instrumentId, s.startsAt, s.endsAt, s.reason],
    );
    const rows = (Array.isArray(raw) && Array.isArray(raw[0]) ? raw[0] : raw) as AlertSilence[];
    return rows[0] ?? null;
  }

  async delete(workspaceId: string, id: string, em: EntityManager): Promise<AlertSilence | null> {
    const raw: unknown = await em.query(
      `DELETE FROM alert_silences WHERE workspace_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [workspaceId, id],
    );
    const rows = (Array.isArray(raw) && Array.isArray(raw[0]) ? raw[0] : raw) as AlertSilence[];
    return rows[0] ?? null;
  }

  async findInWorkspace(workspaceId: string, id: string): Promise<AlertSilence | null> {
    const rows: AlertSilence[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM alert_silences WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id],
    );
    return rows[0] ?? null;
  }

  /** `activeAt`: only silences covering that instant. Newest start first. */
  async listInWorkspace(
    workspaceId: string,
    activeAt: Date | null,
    page: PageRequest,
  ): Promise<[AlertSilence[], number]> {
    const params: unknown[] = [workspaceId];
    let where = 'workspace_id = $1';
    if (activeAt) {
      params.push(activeAt);
      where += ` AND starts_at <= $2 AND ends_at > $2`;
    }
    const [items, count] = await Promise.all([
      this.dataSource.query(
        `SELECT ${COLUMNS} FROM alert_silences WHERE ${where} ORDER BY starts_at DESC, id
          LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, page.pageSize, (page.page - 1) * page.pageSize],
      ) as Promise<AlertSilence[]>,
      this.dataSource.query(`SELECT count(*) AS total FROM alert_silences WHERE ${where}`, params) as Promise<
        Array<{ total: string }>
      >,
    ]);
    return [items, Number(count[0].total)];
  }

  /** Whether a silence covers (key, instrument or none) at `at`. */
  async covers(
    workspaceId: string,
    key: string,
    instrumentId: string | null,
    at: Date,
    em?: EntityManager,
  ): Promise<boolean> {
    const rows: unknown[] = await this.q(em).query(
      `SELECT 1 FROM alert_silences
        WHERE workspace_id = $1 AND starts_at <= $4 AND ends_at > $4
          AND (key IS NULL OR key = $2) AND (instrument_id IS NULL OR instrument_id = $3::uuid)
        LIMIT 1`,
      [workspaceId, key, instrumentId, at],
    );
    return rows.length > 0;
  }

  /** Deletes silences that ended before `before`. */
  async purgeEndedBefore(before: Date): Promise<number> {
    const raw: unknown = await this.dataSource.query(`DELETE FROM alert_silences WHERE ends_at < $1`, [before]);
    return Array.isArray(raw) && typeof raw[1] === 'number' ? raw[1] : 0;
  }
}
