import { parse as parseCsv } from 'csv-parse';
import { ValidationError } from '@labwire/core';
import { JobRowError } from '../jobs/job.entity';
import { parseTelemetryTime, TELEMETRY_TIME_FORMAT } from './telemetry-time';
import { BackfillTooManyPointsError } from './telemetry.errors';

/** A backfill upload as the api received it: a parsed JSON body, or CSV text. */
export type BackfillUpload = { format: 'json'; body: unknown } | { format: 'csv'; text: string };
export type BackfillFormat = BackfillUpload['format'];

/** One valid reading of an upload, with the row it came from (CSV line number, JSON array index). */
export interface BackfillReading {
  row: number;
  /** epoch milliseconds */
  time: number;
  metric: string;
  value: number;
  tags: Record<string, unknown> | null;
}

export interface ParsedBackfill {
  /** readings in the upload, valid or not: the point limit counts these */
  points: number;
  readings: BackfillReading[];
  /** what is wrong with the other rows, in row order */
  errors: JobRowError[];
}

export const MAX_METRIC_LENGTH = 200;
export const MAX_TAGS_JSON_LENGTH = 4096;
export const CSV_COLUMNS = ['time', 'metric', 'value', 'tags'] as const;
const REQUIRED_CSV_COLUMNS = ['time', 'metric', 'value'];
const JSON_FIELDS = new Set(['ts', 'values', 'tags']);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const EPOCH_MS = /^-?\d+$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function metricProblem(metric: string): string | undefined {
  if (!metric.length) return 'metric names must not be empty';
  if (metric.length > MAX_METRIC_LENGTH) return `metric names are at most ${MAX_METRIC_LENGTH} characters`;
  return undefined;
}

function tagsProblem(tags: unknown): string | undefined {
  if (!isPlainObject(tags)) return 'tags must be a JSON object';
  if (JSON.stringify(tags).length > MAX_TAGS_JSON_LENGTH)
    return `tags are at most ${MAX_TAGS_JSON_LENGTH} characters of JSON`;
  return undefined;
}

/** Readings an entry holds, valid or not, for the point limit (before anything else is looked at). */
function pointsOf(item: unknown): number {
  if (!isPlainObject(item)) return 1;
  const values = 'values' in item ? item.values : item;
  return isPlainObject(values) ? Math.max(1, Object.keys(values).length) : 1;
}

/**
 * A JSON upload in CONTRACT.md's telemetry format: `{ts?, values, tags?}`, an array of those, or a bare
 * `{"metric": number}` (values at receive time). A row (array index) with a bad time, unknown field or
 * bad tags is refused whole; a bad value refuses only its own reading.
 */
export function parseBackfillJson(body: unknown, receivedAt: Date, maxPoints: number): ParsedBackfill {
  if (!isPlainObject(body) && !Array.isArray(body)) {
    throw new ValidationError('The body must be a telemetry object {ts?, values, tags?} or an array of them');
  }
  const items: unknown[] = Array.isArray(body) ? body : [body];
  if (!items.length) throw new ValidationError('The body holds no readings');
  let points = 0;
  for (const item of items) {
    points += pointsOf(item);
    if (points > maxPoints) throw new BackfillTooManyPointsError(maxPoints);
  }
  const readings: BackfillReading[] = [];
  const errors: JobRowError[] = [];
  items.forEach((item, row) => {
    if (!isPlainObject(item)) {
      errors.push({ row, message: 'expected an object {ts?, values, tags?}' });
      return;
    }
    const structured = 'values' in item;
    const rowErrors: JobRowError[] = [];
    if (structured) {
      for (const key of Object.keys(item)) {
        if (!JSON_FIELDS.has(key))
          rowErrors.push({ row, field: key, message: 'unknown field; expected ts, values, tags' });
      }
    } else {
      for (const key of ['ts', 'tags']) {
        if (key in item) rowErrors.push({ row, field: key, message: `${key} needs the {ts, values, tags} form` });
      }
    }
    const time = structured && item.ts !== undefined ? parseTelemetryTime(item.ts) : receivedAt;
    if (!time) rowErrors.push({ row, field: 'ts', message: `not a time: expected ${TELEMETRY_TIME_FORMAT}` });
    const tags = structured && item.tags !== undefined && item.tags !== null ? item.tags : null;
    const tagError = tags === null ? undefined : tagsProblem(tags);
    if (tagError) rowErrors.push({ row, field: 'tags', message: tagError });
    const values = structured ? item.values : item;
    if (!isPlainObject(values) || !Object.keys(values).length) {
      rowErrors.push({ row, field: 'values', message: 'expected an object of metric names and numbers' });
    }
    if (rowErrors.length) {
      errors.push(...rowErrors);
      return;
    }
    for (const [metric, value] of Object.entries(values as Record<string, unknown>)) {
      const problem =
        metricProblem(metric) ??
        (typeof value !== 'number' ? 'not a number' : Number.isFinite(value) ? undefined : 'not a finite number');
      if (problem) errors.push({ row, field: `values.${metric}`, message: problem });
      else
        readings.push({
          row,
          time: (time as Date).getTime(),
          metric,
          value: value as number,
          tags: tags as Record<string, unknown> | null,
        });
    }
  });
  return { points, readings, errors };
}

interface CsvLayout {
  time: number;
  metric: number;
  value: number;
  tags?: number;
  width: number;
}

function csvLayout(header: string[]): CsvLayout {
  const names = header.map((h) => h.trim().toLowerCase());
  const unknown = names.filter((n) => !(CSV_COLUMNS as readonly string[]).includes(n));
  const missing = REQUIRED_CSV_COLUMNS.filter((c) => !names.includes(c));
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (unknown.length || missing.length || repeated.length) {
    const problems = [
      ...unknown.map((c) => `unknown column "${c}"`),
      ...missing.map((c) => `missing column "${c}"`),
      ...repeated.map((c) => `column "${c}" given twice`),
    ];
    throw new ValidationError(`The CSV header must be time,metric,value[,tags]: ${problems.join(', ')}`, [
      { field: 'header', message: problems.join(', ') },
    ]);
  }
  const at = (c: string) => names.indexOf(c);
  return {
    time: at('time'),
    metric: at('metric'),
    value: at('value'),
    tags: at('tags') < 0 ? undefined : at('tags'),
    width: names.length,
  };
}

function csvTime(text: string): Date | undefined {
  return parseTelemetryTime(EPOCH_MS.test(text) ? Number(text) : text);
}

/** One CSV record (not the header) as a reading, or its errors. */
function csvReading(record: string[], row: number, layout: CsvLayout): BackfillReading | JobRowError[] {
  const errors: JobRowError[] = [];
  if (record.length > layout.width) {
    errors.push({
      row,
      field: 'columns',
      message: `unknown column: ${record.length} fields, the header has ${layout.width}`,
    });
  }
  const field = (i: number | undefined) => (i === undefined ? '' : (record[i] ?? '').trim());
  const timeText = field(layout.time);
  const time = timeText ? csvTime(timeText) : undefined;
  if (!time) {
    errors.push({
      row,
      field: 'time',
      message: timeText ? `not a time: expected ${TELEMETRY_TIME_FORMAT}` : 'missing',
    });
  }
  const metric = field(layout.metric);
  const metricError = metric ? metricProblem(metric) : 'missing';
  if (metricError) errors.push({ row, field: 'metric', message: metricError });
  const valueText = field(layout.value);
  const value = NUMBER.test(valueText) ? Number(valueText) : NaN;
  if (!valueText) errors.push({ row, field: 'value', message: 'missing' });
  else if (!NUMBER.test(valueText)) errors.push({ row, field: 'value', message: 'not a number' });
  else if (!Number.isFinite(value)) errors.push({ row, field: 'value', message: 'not a finite number' });
  let tags: Record<string, unknown> | null = null;
  const tagsText = field(layout.tags);
  if (tagsText) {
    try {
      const parsed: unknown = JSON.parse(tagsText);
      const problem = tagsProblem(parsed);
      if (problem) errors.push({ row, field: 'tags', message: problem });
      else tags = parsed as Record<string, unknown>;
    } catch {
      errors.push({ row, field: 'tags', message: 'not JSON: expected a JSON object such as {"probe":"a"}' });
    }
  }
  if (errors.length) return errors;
  return { row, time: (time as Date).getTime(), metric, value, tags };
}

/**
 * A CSV upload with the header `time,metric,value[,tags]` (any order, case-insensitive; tags a JSON
 * object). Rows are numbered by the line they start on, the header being line 1. A malformed record
 * (e.g. an unclosed quote) is reported on its line; what follows an unclosed quote cannot be read.
 */
export async function parseBackfillCsv(text: string, maxPoints: number): Promise<ParsedBackfill> {
  // csv-parse miscounts lines after CRLF line ends; tags are JSON, where any line end is whitespace.
  const normalized = text.replace(/\r\n?/g, '\n');
  const errors: JobRowError[] = [];
  let points = 0;
  let lastSkipped: number | undefined;
  const count = () => {
    if (++points > maxPoints) throw new BackfillTooManyPointsError(maxPoints);
  };
  const parser = parseCsv(normalized, {
    bom: true,
    info: true,
    raw: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      if (!err) return;
      const row = (err as { lines?: number }).lines ?? 0;
      // A bad quote can trip the parser twice on one line (e.g. then "quote not closed"): one problem.
      if (row === lastSkipped) return;
      lastSkipped = row;
      // counted here, checked by the loop below (a throw inside the parser's callback would be lost)
      points++;
      errors.push({ row, message: `malformed CSV: ${err.message}` });
    },
  });
  let layout: CsvLayout | undefined;
  const readings: BackfillReading[] = [];
  for await (const { record, info, raw } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
    raw: string;
  }>) {
    if (!layout) {
      layout = csvLayout(record);
      continue;
    }
    count();
    // `lines` is where the record ends; a quoted field may span lines, and the raw text may carry
    // the empty lines skipped before it and its own line end.
    const own = raw.replace(/^\n+/, '').replace(/\n$/, '');
    const row = info.lines - (own.match(/\n/g)?.length ?? 0);
    const reading = csvReading(record, row, layout);
    if (Array.isArray(reading)) errors.push(...reading);
    else readings.push(reading);
  }
  if (points > maxPoints) throw new BackfillTooManyPointsError(maxPoints);
  if (!layout) throw new ValidationError('The CSV is empty: expected a header time,metric,value[,tags] and rows');
  if (!points) throw new ValidationError('The CSV has a header but no rows');
  errors.sort((a, b) => a.row - b.row);
  return { points, readings, errors };
}
