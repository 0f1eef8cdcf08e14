import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ValidationError } from '@labwire/core';
import { InstrumentNotFoundError } from '../instruments/instruments.errors';
import { LatestValue, TelemetryRepository } from './telemetry.repository';

export const AGGREGATE_FUNCTIONS = ['avg', 'min', 'max', 'sum', 'count', 'first', 'last'] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

/** Over raw readings. */
const AGGREGATE_SQL: Record<AggregateFunction, string> = {
  avg: 'avg(value)',
  min: 'min(value)',
  max: 'max(value)',
  sum: 'sum(value)',
  count: 'count(*)',
  first: '(array_agg(value ORDER BY "time" ASC))[1]',
  last: '(array_agg(value ORDER BY "time" DESC))[1]',
};

/** Over hourly rollups (telemetry_hourly), combining the hours of a bucket. */
const ROLLUP_SQL: Record<AggregateFunction, string> = {
  avg: 'sum(sum) / sum(count)',
  min: 'min(min)',
  max: 'max(max)',
  sum: 'sum(sum)',
  count: 'sum(count)',
  first: '(array_agg(first_value ORDER BY first_time ASC))[1]',
  last: '(array_agg(last_value ORDER BY last_time DESC))[1]',
};

const HOUR_MS = 3_600_000;
/** Rows per page of a streaming export. */
const EXPORT_PAGE = 5_000;

/** `$1` is one instrument id, or an array of them (one id keeps the plain equality the planner likes best). */
function instrumentFilter(instrumentIds: string[]): string {
  return instrumentIds.length === 1 ? 'instrument_id = $1' : 'instrument_id = ANY($1::uuid[])';
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The UTC offset of a time zone at an instant, in minutes. */
function offsetMinutes(timeZone: string, at: Date): number {
  let format = offsetFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (offsetFormats.size > 500) offsetFormats.clear();
    offsetFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((local - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

const WEEK_MS = 7 * 86_400_000;

/**
 * Hourly rollups answer exactly when every bucket is a union of whole UTC hours: the range starts and
 * ends on the hour, buckets are whole hours or days, and the time zone is a whole number of hours
 * from UTC all through the range (not, say, +05:30; nor Lord Howe's +10:30 between two +11 summers).
 * Offsets are checked at both ends and once a week in between: zones change offset a few times a
 * year at most, months apart, so no half-hour period slips between two checks.
 */
export function rollupServes(q: Pick<AggregateQuery, 'from' | 'to' | 'timeZone'>, bucketMs: number): boolean {
  if (bucketMs % HOUR_MS !== 0 || q.from.getTime() % HOUR_MS !== 0 || q.to.getTime() % HOUR_MS !== 0) return false;
  if (offsetMinutes(q.timeZone, q.to) % 60 !== 0) return false;
  for (let t = q.from.getTime(); t < q.to.getTime(); t += WEEK_MS) {
    if (offsetMinutes(q.timeZone, new Date(t)) % 60 !== 0) return false;
  }
  return true;
}

export interface RawQuery {
  from: Date;
  to: Date;
  metrics?: string[];
  order: 'asc' | 'desc';
  limit: number;
  cursor?: string;
}

export interface RawPoint {
  time: Date;
  instrumentId: string;
  metric: string;
  value: number;
  tags: Record<string, unknown> | null;
}

export interface AggregateQuery {
  from: Date;
  to: Date;
  bucket: string;
  functions: AggregateFunction[];
  metrics?: string[];
  timeZone: string;
  fill: 'none' | 'null';
  maxPoints: number;
}

export interface AggregatePoint {
  bucket: Date;
  instrumentId: string;
  metric: string;
  values: Partial<Record<AggregateFunction, number | null>>;
}

const BUCKET = /^([1-9][0-9]*)(m|h|d)$/;
const BUCKET_UNITS: Record<string, { sql: string; minutes: number }> = {
  m: { sql: 'minutes', minutes: 1 },
  h: { sql: 'hours', minutes: 60 },
  d: { sql: 'days', minutes: 1440 },
};

/** The widest bucket: ten years of days, far past any useful chart, well inside PostgreSQL's interval. */
const MAX_BUCKET_DAYS = 3660;
const MAX_BUCKET_MS = MAX_BUCKET_DAYS * 86_400_000;

function parseBucket(bucket: string): { interval: string; ms: number } {
  const match = BUCKET.exec(bucket);
  if (!match) {
    throw new ValidationError(`bucket "${bucket}" is not a duration like 1m, 15m, 1h or 1d`, [
      { field: 'bucket', message: 'a whole number of minutes (m), hours (h) or days (d), e.g. 15m' },
    ]);
  }
  const unit = BUCKET_UNITS[match[2]];
  const ms = Number(match[1]) * unit.minutes * 60_000;
  // PostgreSQL's interval overflows long before a number of 20 digits (a 500 once): bounded here
  if (ms > MAX_BUCKET_MS) {
    throw new ValidationError(`bucket "${bucket}" is longer than ${MAX_BUCKET_DAYS} days`, [
      { field: 'bucket', message: `bucket must be at most ${MAX_BUCKET_DAYS}d (or the same in hours or minutes)` },
    ]);
  }
  return { interval: `${match[1]} ${unit.sql}`, ms };
}

function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new ValidationError(`Unknown time zone "${timeZone}"`, [
      { field: 'tz', message: 'an IANA time zone such as UTC or Europe/Berlin' },
    ]);
  }
}

function assertRange(from: Date, to: Date): void {
  if (!(from < to)) throw new ValidationError('from must be before to', [{ field: 'from', message: 'before to' }]);
}

/** Cursor of keyset pagination: the last (time, instrument, metric) of a page. Opaque to clients. */
function encodeCursor(p: RawPoint): string {
  return Buffer.from(JSON.stringify([p.time.toISOString(), p.instrumentId, p.metric])).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function decodeCursor(cursor: string): { time: string; instrumentId: string; metric: string } {
  try {
    const [time, instrumentId, metric] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as string[];
    if (typeof metric !== 'string' || !UUID.test(instrumentId) || Number.isNaN(Date.parse(time))) {
      throw new Error('shape');
    }
    return { time, instrumentId, metric };
  } catch {
    throw new ValidationError('cursor is not one this API issued', [{ field: 'cursor', message: 'use nextCursor' }]);
  }
}

/** Reads an instrument's telemetry: raw points, aggregates by time bucket, latest values. */
@Injectable()
export class TelemetryQueryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly telemetry: TelemetryRepository,
  ) {}

  /** Raw readings of one or more instruments, ordered by time, instrument, metric; keyset-paged. */
  async raw(
    workspaceId: string,
    instrumentIds: string[],
    q: RawQuery,
  ): Promise<{ items: RawPoint[]; nextCursor: string | null }> {
    assertRange(q.from, q.to);
    await this.assertInstruments(workspaceId, instrumentIds);
    return this.rawPage(instrumentIds, q);
  }

  /**
   * Every raw reading of the range, in pages read one after the other: memory stays flat however
   * many rows there are. For streaming exports; checks the range and instruments once, before the
   * first row.
   */
  async *export(
    workspaceId: string,
    instrumentIds: string[],
    q: Pick<RawQuery, 'from' | 'to' | 'metrics'>,
  ): AsyncGenerator<RawPoint[]> {
    assertRange(q.from, q.to);
    await this.assertInstruments(workspaceId, instrumentIds);
    let cursor: string | undefined;
    do {
      const page = await this.rawPage(instrumentIds, { ...q, order: 'asc', limit: EXPORT_PAGE, cursor });
      if (page.items.length) yield page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /** One keyset page of raw readings; the caller has checked the range and the instruments. */
  private async rawPage(
    instrumentIds: string[],
    q: RawQuery,
  ): Promise<{ items: RawPoint[]; nextCursor: string | null }> {
    const desc = q.order === 'desc';
    const params: unknown[] = [instrumentIds.length === 1 ? instrumentIds[0] : instrumentIds, q.from, q.to];
    const where = [instrumentFilter(instrumentIds), '"time" >= $2', '"time" < $3'];
    if (q.metrics?.length) {
      params.push(q.metrics);
      where.push(`metric = ANY($${params.length})`);
    }
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      params.push(c.time, c.instrumentId, c.metric);
      const n = params.length;
      where.push(
        `("time", instrument_id, metric) ${desc ? '<' : '>'} ($${n - 2}::timestamptz, $${n - 1}::uuid, $${n})`,
      );
    }
    params.push(q.limit + 1);
    const dir = desc ? 'DESC' : 'ASC';
    const rows: RawPoint[] = await this.dataSource.query(
      `SELECT "time", instrument_id AS "instrumentId", metric, value, tags FROM telemetry WHERE ${where.join(' AND ')}
        ORDER BY "time" ${dir}, instrument_id ${dir}, metric ${dir} LIMIT $${params.length}`,
      params,
    );
    const more = rows.length > q.limit;
    const items = more ? rows.slice(0, q.limit) : rows;
    return { items, nextCursor: more ? encodeCursor(items[items.length - 1]) : null };
  }

  /**
   * Aggregates per bucket and metric. Buckets are aligned in `timeZone` (a day bucket is a local
   * day). More than `maxPoints` bucket×metric rows is refused rather than silently cut: the answer
   * says `truncated` and holds the first maxPoints, so the caller can widen the bucket.
   */
  async aggregate(
    workspaceId: string,
    instrumentIds: string[],
    q: AggregateQuery,
  ): Promise<{ items: AggregatePoint[]; truncated: boolean }> {
    assertRange(q.from, q.to);
    assertTimeZone(q.timeZone);
    const bucket = parseBucket(q.bucket);
    const buckets = Math.ceil((q.to.getTime() - q.from.getTime()) / bucket.ms);
    if (q.fill === 'null' && buckets > q.maxPoints) {
      // Filling would generate every bucket of the range before any limit applies.
      throw new ValidationError(
        `${buckets} buckets of ${q.bucket} in this range is more than maxPoints (${q.maxPoints}); widen the bucket or narrow the range`,
        [{ field: 'bucket', message: `at most ${q.maxPoints} buckets with fill=null` }],
      );
    }
    await this.assertInstruments(workspaceId, instrumentIds);
    const params: unknown[] = [
      instrumentIds.length === 1 ? instrumentIds[0] : instrumentIds,
      q.from,
      q.to,
      bucket.interval,
      q.timeZone,
    ];
    let metricFilter = '';
    if (q.metrics?.length) {
      params.push(q.metrics);
      metricFilter = ` AND metric = ANY($${params.length})`;
    }
    const fns = [...new Set(q.functions)];
    const rollup = rollupServes(q, bucket.ms);
    const source = rollup
      ? { table: 'telemetry_hourly', time: 'bucket', sql: ROLLUP_SQL }
      : { table: 'telemetry', time: '"time"', sql: AGGREGATE_SQL };
    const selects = fns.map((f) => `${source.sql[f]} AS "${f}"`).join(', ');
    const bucketExpr = `date_bin($4::interval, ${source.time} AT TIME ZONE $5, TIMESTAMP '2000-01-01') AT TIME ZONE $5`;
    const grouped = `SELECT ${bucketExpr} AS bucket, instrument_id, metric, ${selects} FROM ${source.table}
       WHERE ${instrumentFilter(instrumentIds)} AND ${source.time} >= $2 AND ${source.time} < $3${metricFilter}
       GROUP BY 1, 2, 3`;
    params.push(q.maxPoints + 1);
    const limit = `$${params.length}`;
    let sql = `${grouped} ORDER BY 1, 2, 3 LIMIT ${limit}`;
    if (q.fill === 'null') {
      // Every bucket of the range for every metric seen in it, empty ones with null values.
      sql = `WITH agg AS (${grouped}),
             buckets AS (SELECT generate_series(
               date_bin($4::interval, $2::timestamptz AT TIME ZONE $5, TIMESTAMP '2000-01-01'),
               ($3::timestamptz - interval '1 microsecond') AT TIME ZONE $5, $4::interval) AT TIME ZONE $5 AS bucket),
             series AS (SELECT DISTINCT instrument_id, metric FROM agg)
           SELECT b.bucket, s.instrument_id, s.metric, ${fns.map((f) => `agg."${f}"`).join(', ')}
             FROM buckets b CROSS JOIN series s
             LEFT JOIN agg ON agg.bucket = b.bucket AND agg.instrument_id = s.instrument_id AND agg.metric = s.metric
            ORDER BY 1, 2, 3 LIMIT ${limit}`;
    }
    const rows: Array<Record<string, unknown> & { bucket: Date; instrument_id: string; metric: string }> =
      await this.dataSource.query(sql, params);
    const truncated = rows.length > q.maxPoints;
    const items = (truncated ? rows.slice(0, q.maxPoints) : rows).map((r) => ({
      bucket: r.bucket,
      instrumentId: r.instrument_id,
      metric: r.metric,
      values: Object.fromEntries(fns.map((f) => [f, r[f] === null ? null : Number(r[f])])),
    }));
    return { items, truncated };
  }

  async latest(workspaceId: string, instrumentId: string): Promise<LatestValue[]> {
    const values = await this.telemetry.latestInWorkspace(workspaceId, instrumentId);
    if (!values) throw new InstrumentNotFoundError(instrumentId);
    return values;
  }

  /** Latest value of each metric of several instruments of the workspace, in one query. */
  async latestOf(workspaceId: string, instrumentIds: string[]): Promise<Array<LatestValue & { instrumentId: string }>> {
    await this.assertInstruments(workspaceId, instrumentIds);
    return this.telemetry.latestOf(instrumentIds);
  }

  private async assertInstruments(workspaceId: string, instrumentIds: string[]): Promise<void> {
    if (instrumentIds.length === 1) {
      if (!(await this.telemetry.instrumentInWorkspace(workspaceId, instrumentIds[0]))) {
        throw new InstrumentNotFoundError(instrumentIds[0]);
      }
      return;
    }
    const found = await this.telemetry.instrumentsInWorkspace(workspaceId, instrumentIds);
    const missing = instrumentIds.find((id) => !found.has(id));
    if (missing) throw new InstrumentNotFoundError(missing);
  }
}
