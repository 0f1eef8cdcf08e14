import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { StoreResult, TelemetryReading } from './telemetry-reading';

export interface LatestValue {
  metric: string;
  time: Date;
  value: number;
  tags: Record<string, unknown> | null;
}

/** The telemetry tables, in raw SQL: bulk statements that TypeORM's entity layer cannot express. */
@Injectable()
export class TelemetryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Whether telemetry is natively partitioned (false: a TimescaleDB hypertable manages chunks). */
  async usesNativePartitions(): Promise<boolean> {
    const rows: Array<{ native: boolean }> = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass('telemetry')) AS native`,
    );
    return rows[0].native;
  }

  /** Creates the daily partitions covering [fromDay, toDay] that do not exist yet; returns how many. */
  async ensurePartitions(fromDay: string, toDay: string, em?: EntityManager): Promise<number> {
    const rows: Array<{ created: number }> = await (em ?? this.dataSource.manager).query(
      `SELECT labwire_telemetry_ensure_partitions($1::date, $2::date) AS created`,
      [fromDay, toDay],
    );
    return rows[0].created;
  }

  /**
   * Writes a batch: the readings with their hourly rollups in one statement (a reading already stored
   * is skipped, so a redelivered batch adds nothing, and rollups grow only by rows actually inserted),
   * then each metric's latest value and the instruments' last-seen time in a second one.
   *
   * Two autocommit statements, not one transaction: rollup, latest and last-seen rows are the same
   * few rows for every batch of an instrument, and a transaction would hold their locks across all
   * statements, making concurrent batches wait for each other. Each statement holds them only for
   * itself. The second is a monotonic "newest wins" update computed from the batch itself, so if a
   * crash falls between the two, the redelivered batch brings it up to date.
   *
   * `heardAt`: when the instruments were heard from (MQTT receipt). Last-seen becomes that, whatever
   * times the readings carry: silence checks must not take an instrument whose clock is behind, or
   * that sends a backlog, for silent while it talks, nor one whose clock is ahead for alive after it
   * stopped (last-seen is never in the future). Without it (a REST backfill) the newest reading's time
   * counts, capped at now.
   */
  async storeBatch(readings: TelemetryReading[], heardAt?: Date): Promise<StoreResult> {
    const times = readings.map((r) => r.time.toISOString());
    const instruments = readings.map((r) => r.instrumentId);
    const metrics = readings.map((r) => r.metric);
    const values = readings.map((r) => r.value);
    const tags = readings.map((r) => (r.tags ? JSON.stringify(r.tags) : null));
    const inserted: Array<{ count: string }> = await this.dataSource.query(
      `WITH ins AS (
         INSERT INTO telemetry ("time", instrument_id, metric, value, tags)
         SELECT * FROM unnest($1::timestamptz[], $2::uuid[], $3::text[], $4::float8[], $5::jsonb[])
         ON CONFLICT DO NOTHING
         RETURNING "time", instrument_id, metric, value),
       rollup AS (
         INSERT INTO telemetry_hourly AS h
         SELECT instrument_id, metric, date_trunc('hour', "time" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
                count(*), sum(value), min(value), max(value), min("time"), (array_agg(value ORDER BY "time"))[1],
                max("time"), (array_agg(value ORDER BY "time" DESC))[1]
           FROM ins GROUP BY 1, 2, 3
           -- a fixed row order, so concurrent batches lock rollup rows in the same order (no deadlock)
           ORDER BY 1, 2, 3
         ON CONFLICT (instrument_id, metric, bucket) DO UPDATE SET
           count = h.count + EXCLUDED.count,
           sum = h.sum + EXCLUDED.sum,
           min = LEAST(h.min, EXCLUDED.min),
           max = GREATEST(h.max, EXCLUDED.max),
           first_value = CASE WHEN EXCLUDED.first_time < h.first_time THEN EXCLUDED.first_value ELSE h.first_value END,
           first_time = LEAST(h.first_time, EXCLUDED.first_time),
           last_value = CASE WHEN EXCLUDED.last_time > h.last_time THEN EXCLUDED.last_value ELSE h.last_value END,
           last_time = GREATEST(h.last_time, EXCLUDED.last_time)
         RETURNING 1)
       SELECT count(*) AS count FROM ins`,
      [times, instruments, metrics, values, tags],
    );
    // Only each metric's newest reading matters for the second statement: pick it here, so the
    // database gets (and sorts) one row per instrument metric rather than the whole batch.
    const newest = new Map<string, TelemetryReading>();
    for (const r of readings) {
      const key = `${r.instrumentId}|${r.metric}`;
      const seen = newest.get(key);
      if (!seen || seen.time < r.time) newest.set(key, r);
    }
    const latest = [...newest.values()];
    await this.dataSource.query(
      `WITH batch AS (
         SELECT * FROM unnest($1::timestamptz[], $2::uuid[], $3::text[], $4::float8[], $5::jsonb[])
           AS r(t, instrument_id, metric, value, tags)),
       latest AS (
         INSERT INTO telemetry_latest (instrument_id, metric, "time", value, tags)
         SELECT instrument_id, metric, t, value, tags
           FROM batch b WHERE EXISTS (SELECT 1 FROM instruments i WHERE i.id = b.instrument_id)
          ORDER BY instrument_id, metric
         ON CONFLICT (instrument_id, metric) DO UPDATE
           SET "time" = EXCLUDED."time", value = EXCLUDED.value, tags = EXCLUDED.tags
           WHERE telemetry_latest."time" < EXCLUDED."time"
         RETURNING 1)
       UPDATE instruments i SET last_seen_at = s.seen
         FROM (SELECT instrument_id, COALESCE($6::timestamptz, LEAST(max(t), now())) AS seen FROM batch
                GROUP BY instrument_id ORDER BY instrument_id) s
        WHERE i.id = s.instrument_id AND (i.last_seen_at IS NULL OR i.last_seen_at < s.seen)`,
      [
        latest.map((r) => r.time.toISOString()),
        latest.map((r) => r.instrumentId),
        latest.map((r) => r.metric),
        latest.map((r) => r.value),
        latest.map((r) => (r.tags ? JSON.stringify(r.tags) : null)),
        heardAt?.toISOString() ?? null,
      ],
    );
    const count = Number(inserted[0].count);
    return { inserted: count, duplicates: readings.length - count };
  }

  /** The telemetry retention (days) of the instrument's workspace; null when the instrument is not in it. */
  async instrumentRetentionDays(workspaceId: string, instrumentId: string): Promise<number | null> {
    const rows: Array<{ days: number }> = await this.dataSource.query(
      `SELECT w.telemetry_retention_days AS days FROM instruments i JOIN workspaces w ON w.id = i.workspace_id
        WHERE i.id = $1 AND i.workspace_id = $2`,
      [instrumentId, workspaceId],
    );
    return rows[0]?.days ?? null;
  }

  async instrumentInWorkspace(workspaceId: string, instrumentId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM instruments WHERE id = $1 AND workspace_id = $2`,
      [instrumentId, workspaceId],
    );
    return rows.length > 0;
  }

  /** Which of `instrumentIds` are instruments of the workspace. */
  async instrumentsInWorkspace(workspaceId: string, instrumentIds: string[]): Promise<Set<string>> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM instruments WHERE id = ANY($1::uuid[]) AND workspace_id = $2`,
      [instrumentIds, workspaceId],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Latest values of instruments (already checked to be the workspace's), by instrument then metric. */
  async latestOf(instrumentIds: string[]): Promise<Array<LatestValue & { instrumentId: string }>> {
    return this.dataSource.query(
      `SELECT instrument_id AS "instrumentId", metric, "time", value, tags FROM telemetry_latest
        WHERE instrument_id = ANY($1::uuid[]) ORDER BY instrument_id, metric`,
      [instrumentIds],
    );
  }

  /**
   * Latest values of an instrument of the workspace, in one query: null when the instrument is not
   * in the workspace, [] when it has sent nothing yet.
   */
  async latestInWorkspace(workspaceId: string, instrumentId: string): Promise<LatestValue[] | null> {
    const rows: Array<LatestValue | { metric: null }> = await this.dataSource.query(
      `SELECT l.metric, l."time", l.value, l.tags
         FROM instruments i LEFT JOIN telemetry_latest l ON l.instrument_id = i.id
        WHERE i.id = $1 AND i.workspace_id = $2
        ORDER BY l.metric`,
      [instrumentId, workspaceId],
    );
    if (!rows.length) return null;
    return rows.filter((r): r is LatestValue => r.metric !== null);
  }

  /**
   * Deletes readings and rollups of deleted instruments (recorded by a trigger in telemetry_purge),
   * at most `chunk` rows per statement so no statement runs long; forgets instruments deleted more
   * than `graceSeconds` ago. Returns how many instruments were seen and readings deleted.
   */
  async purgeDeletedInstruments(chunk: number, graceSeconds: number): Promise<{ instruments: number; rows: number }> {
    const pending: Array<{ id: string }> = await this.dataSource.query(
      `SELECT instrument_id AS id FROM telemetry_purge ORDER BY deleted_at LIMIT 1000`,
    );
    let rows = 0;
    for (const { id } of pending) {
      for (;;) {
        const result: [unknown[], number] = await this.dataSource.query(
          `DELETE FROM telemetry t USING (
             SELECT instrument_id, metric, "time" FROM telemetry WHERE instrument_id = $1 LIMIT $2) d
            WHERE t.instrument_id = d.instrument_id AND t.metric = d.metric AND t."time" = d."time"`,
          [id, chunk],
        );
        rows += result[1];
        if (result[1] < chunk) break;
      }
      await this.dataSource.query(`DELETE FROM telemetry_hourly WHERE instrument_id = $1`, [id]);
    }
    await this.dataSource.query(`DELETE FROM telemetry_purge WHERE deleted_at < now() - make_interval(secs => $1)`, [
      graceSeconds,
    ]);
    return { instruments: pending.length, rows };
  }

  /** Whether telemetry is a TimescaleDB hypertable (the other storage branch of the migration). */
  async isHypertable(): Promise<boolean> {
    const rows: Array<{ yes: boolean }> = await this.dataSource.query(
      `SELECT to_regclass('timescaledb_information.hypertables') IS NOT NULL AS yes`,
    );
    if (!rows[0].yes) return false;
    const found: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = 'telemetry'`,
    );
    return found.length > 0;
  }

  /**
   * TimescaleDB: drops the chunks entirely before `before` (a UTC midnight, so daily chunks never
   * straddle it) and the rollups of those hours, so rollups keep agreeing with readings.
   */
  async dropChunksBefore(before: Date): Promise<string[]> {
    const rows: Array<{ name: string }> = await this.dataSource.query(
      `SELECT drop_chunks('telemetry', older_than => $1::timestamptz)::text AS name`,
      [before],
    );
    if (rows.length) await this.dataSource.query(`DELETE FROM telemetry_hourly WHERE bucket < $1`, [before]);
    return rows.map((r) => r.name);
  }

  /** Drops whole daily partitions that end before `before` (native partitioning only). */
  async dropPartitionsBefore(before: Date): Promise<string[]> {
    const rows: Array<{ name: string; upper: string }> = await this.dataSource.query(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS upper
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'telemetry'::regclass AND c.relname ~ '^telemetry_p[0-9]{8}$'`,
    );
    const dropped: string[] = [];
    let droppedUntil: Date | undefined;
    for (const row of rows) {
      const day = row.name.slice('telemetry_p'.length);
      const end = new Date(`${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}T00:00:00Z`);
      end.setUTCDate(end.getUTCDate() + 1);
      if (end <= before) {
        await this.dataSource.query(`DROP TABLE IF EXISTS "${row.name}"`);
        dropped.push(row.name);
        if (!droppedUntil || end > droppedUntil) droppedUntil = end;
      }
    }
    // Rollups go for exactly the days whose readings went, so rollups and readings keep agreeing.
    if (droppedUntil) await this.dataSource.query(`DELETE FROM telemetry_hourly WHERE bucket < $1`, [droppedUntil]);
    return dropped;
  }

  /**
   * Deletes readings past each workspace's retention (for workspaces keeping less than the longest
   * retention, which partition drops handle), in whole hours so hourly rollups match the readings
   * left. Returns how many rows went.
   */
  async deleteExpiredPerWorkspace(): Promise<number> {
    await this.dataSource.query(
      `DELETE FROM telemetry_hourly t USING instruments i, workspaces w
        WHERE t.instrument_id = i.id AND i.workspace_id = w.id
          AND t.bucket < date_trunc('hour', now() - make_interval(days => w.telemetry_retention_days))`,
    );
    const result: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM telemetry t USING instruments i, workspaces w
        WHERE t.instrument_id = i.id AND i.workspace_id = w.id
          AND t."time" < date_trunc('hour', now() - make_interval(days => w.telemetry_retention_days))`,
    );
    return result[1];
  }

  /** The longest retention of any workspace, in days (what whole partitions are kept for). */
  async longestRetentionDays(): Promise<number> {
    const rows: Array<{ days: number | null }> = await this.dataSource.query(
      `SELECT max(telemetry_retention_days) AS days FROM workspaces`,
    );
    return rows[0].days ?? 365;
  }
}
