import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TelemetryDropReason } from './telemetry-message';

/** Drops of one instrument and reason since the last flush. */
export interface DropCount {
  instrumentId: string;
  reason: TelemetryDropReason;
  count: number;
  lastDetail: string;
  lastAt: Date;
}

/** An instrument's dropped telemetry messages, all time. */
export interface TelemetryDropSummary {
  instrumentId: string;
  total: number;
  byReason: Partial<Record<TelemetryDropReason, number>>;
  lastReason: TelemetryDropReason | null;
  lastDetail: string | null;
  lastAt: Date | null;
}

/** The telemetry_drops table, in raw SQL (one upsert per flush). */
@Injectable()
export class TelemetryDropRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Adds counts, keeping each reason's newest detail. Counts of instruments that do not exist (any
   * more) are skipped. Rows are written in key order, so replicas flushing together cannot deadlock.
   * Returns the instruments whose counts were stored.
   */
  async add(counts: DropCount[]): Promise<string[]> {
    if (!counts.length) return [];
    const rows: Array<{ instrument_id: string }> = await this.dataSource.query(
      `INSERT INTO telemetry_drops AS d (instrument_id, reason, count, last_detail, last_at)
       SELECT u.instrument_id, u.reason, u.count, u.last_detail, u.last_at
         FROM UNNEST($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[])
              AS u(instrument_id, reason, count, last_detail, last_at)
         JOIN instruments i ON i.id = u.instrument_id
        ORDER BY u.instrument_id, u.reason
       ON CONFLICT (instrument_id, reason) DO UPDATE SET
         count = d.count + EXCLUDED.count,
         last_detail = CASE WHEN EXCLUDED.last_at >= d.last_at THEN EXCLUDED.last_detail ELSE d.last_detail END,
         last_at = GREATEST(d.last_at, EXCLUDED.last_at)
       RETURNING instrument_id`,
      [
        counts.map((c) => c.instrumentId),
        counts.map((c) => c.reason),
        counts.map((c) => c.count),
        counts.map((c) => c.lastDetail),
        counts.map((c) => c.lastAt.toISOString()),
      ],
    );
    return [...new Set(rows.map((r) => r.instrument_id))];
  }

  /** The instrument's drops; null when the workspace has no such instrument. */
  async summaryInWorkspace(workspaceId: string, instrumentId: string): Promise<TelemetryDropSummary | null> {
    const rows: Array<{
      reason: TelemetryDropReason | null;
      count: string | null;
      last_detail: string;
      last_at: Date;
    }> = await this.dataSource.query(
      `SELECT d.reason, d.count, d.last_detail, d.last_at
           FROM instruments i LEFT JOIN telemetry_drops d ON d.instrument_id = i.id
          WHERE i.id = $1 AND i.workspace_id = $2`,
      [instrumentId, workspaceId],
    );
    if (!rows.length) return null;
    const summary: TelemetryDropSummary = {
      instrumentId,
      total: 0,
      byReason: {},
      lastReason: null,
      lastDetail: null,
      lastAt: null,
    };
    for (const r of rows) {
      if (r.reason === null) continue;
      const n = Number(r.count);
      summary.total += n;
      summary.byReason[r.reason] = n;
      if (!summary.lastAt || r.last_at > summary.lastAt) {
        summary.lastReason = r.reason;
        summary.lastDetail = r.last_detail;
        summary.lastAt = r.last_at;
      }
    }
    return summary;
  }
}
