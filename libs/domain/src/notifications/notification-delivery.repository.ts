import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest } from '@labwire/core';
import { NotificationAttempt } from './notification-attempt.entity';
import { DeliveryEvent, DeliveryStatus, NotificationDelivery } from './notification-delivery.entity';

export interface NewDelivery {
  workspaceId: string;
  channelId: string;
  event: DeliveryEvent;
  alertId: string | null;
  dedupeKey: string | null;
  payload: Record<string, unknown>;
  status: Extract<DeliveryStatus, 'pending' | 'suppressed'>;
}

export interface AttemptRecord {
  attempt: number;
  startedAt: Date;
  latencyMs: number;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

const COLUMNS = `id, workspace_id AS "workspaceId", channel_id AS "channelId", event, alert_id AS "alertId",
  dedupe_key AS "dedupeKey", payload, status, attempts, last_status_code AS "lastStatusCode",
  last_error AS "lastError", last_latency_ms AS "lastLatencyMs", created_at AS "createdAt",
  completed_at AS "completedAt"`;

@Injectable()
export class NotificationDeliveryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts the deliveries in one statement; one whose (channel, dedupe key) exists already is left
   * alone (a retried cause adds nothing). Returns the ids of the pending rows inserted now.
   */
  async insertMany(rows: NewDelivery[], em: EntityManager): Promise<string[]> {
    if (!rows.length) return [];
    const inserted: Array<{ id: string; status: DeliveryStatus }> = await em.query(
      `INSERT INTO notification_deliveries
         (workspace_id, channel_id, event, alert_id, dedupe_key, payload, status, completed_at)
       SELECT w, c, e, a, d, p, s, CASE WHEN s = 'suppressed' THEN now() END
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::jsonb[], $7::text[])
           AS t(w, c, e, a, d, p, s)
       ON CONFLICT ON CONSTRAINT "UQ_notification_deliveries_channel_dedupe" DO NOTHING
       RETURNING id, status`,
      [
        rows.map((r) => r.workspaceId),
        rows.map((r) => r.channelId),
        rows.map((r) => r.event),
        rows.map((r) => r.alertId),
        rows.map((r) => r.dedupeKey),
        rows.map((r) => JSON.stringify(r.payload)),
        rows.map((r) => r.status),
      ],
    );
    return inserted.filter((r) => r.status === 'pending').map((r) => r.id);
  }

  async find(id: string): Promise<NotificationDelivery | null> {
    const rows: NotificationDelivery[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM notification_deliveries WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async findInChannel(workspaceId: string, channelId: string, id: string): Promise<NotificationDelivery | null> {
    const rows: NotificationDelivery[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM notification_deliveries WHERE id = $1 AND workspace_id = $2 AND channel_id = $3`,
      [id, workspaceId, channelId],
    );
    return rows[0] ?? null;
  }

  async listInChannel(
    workspaceId: string,
    channelId: string,
    filter: { status?: DeliveryStatus; event?: DeliveryEvent; alertId?: string },
    page: PageRequest,
  ): Promise<[NotificationDelivery[], number]> {
    const params: unknown[] = [workspaceId, channelId];
    let where = 'workspace_id = $1 AND channel_id = $2';
    for (const [column, value] of [
      ['status', filter.status],
      ['event', filter.event],
      ['alert_id', filter.alertId],
    ] as const) {
      if (value === undefined) continue;
      params.push(value);
      where += ` AND ${column} = $${params.length}`;
    }
    const [{ total }]: Array<{ total: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM notification_deliveries WHERE ${where}`,
      params,
    );
    params.push(page.pageSize, (page.page - 1) * page.pageSize);
    const rows: NotificationDelivery[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM notification_deliveries WHERE ${where}
        ORDER BY created_at DESC, id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return [rows, total];
  }

  async attempts(deliveryId: string): Promise<NotificationAttempt[]> {
    return this.dataSource.getRepository(NotificationAttempt).find({
      where: { deliveryId },
      order: { attempt: 'ASC' },
    });
  }

  /** Counts a new attempt of a pending delivery; null when it is no longer pending. */
  async beginAttempt(id: string): Promise<number | null> {
    // TypeORM answers an UPDATE … RETURNING as [rows, affected]
    const [rows]: [Array<{ attempts: number }>, number] = await this.dataSource.query(
      `UPDATE notification_deliveries SET attempts = attempts + 1 WHERE id = $1 AND status = 'pending'
        RETURNING attempts`,
      [id],
    );
    return rows[0]?.attempts ?? null;
  }

  /** Records an attempt and, when `final` is set, ends the delivery with that status. */
  async recordAttempt(
    id: string,
    record: AttemptRecord,
    final: Extract<DeliveryStatus, 'succeeded' | 'failed'> | null,
  ) {
    await this.dataSource.transaction(async (em) => {
      await em.query(
        `INSERT INTO notification_attempts (delivery_id, attempt, started_at, latency_ms, ok, status_code, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT ON CONSTRAINT "UQ_notification_attempts_delivery_attempt" DO NOTHING`,
        [id, record.attempt, record.startedAt, record.latencyMs, record.ok, record.statusCode, record.error],
      );
      await em.query(
        `UPDATE notification_deliveries
            SET last_status_code = $2, last_error = $3, last_latency_ms = $4,
                status = COALESCE($5, status), completed_at = CASE WHEN $5::text IS NULL THEN NULL ELSE now() END
          WHERE id = $1 AND status = 'pending'`,
        [id, record.statusCode, record.error, record.latencyMs, final],
      );
    });
  }

  /** Ends a pending delivery without an attempt (its channel was disabled, its secret unreadable). */
  async fail(id: string, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE notification_deliveries SET status = 'failed', last_error = $2, completed_at = now()
        WHERE id = $1 AND status = 'pending'`,
      [id, error],
    );
  }

  /** Pending deliveries created before `before` (their job may have been lost), oldest first. */
  async stalePending(before: Date, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM notification_deliveries WHERE status = 'pending' AND created_at < $1
        ORDER BY created_at LIMIT $2`,
      [before, limit],
    );
    return rows.map((r) => r.id);
  }
}
