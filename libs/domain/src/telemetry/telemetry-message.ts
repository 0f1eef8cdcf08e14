import Ajv from 'ajv';
import { findUnstorableJson } from '@labwire/core';
import { TelemetryReading } from './telemetry-reading';
import { parseTelemetryTime, TELEMETRY_MAX_AHEAD_MS, TELEMETRY_TIME_FORMAT } from './telemetry-time';

/** Why a telemetry message was dropped: the label of the drop counter and of the log line. */
export type TelemetryDropReason =
  | 'too_large'
  | 'malformed_json'
  | 'invalid_schema'
  | 'bad_timestamp'
  | 'too_many_readings'
  | 'unknown_instrument'
  | 'retired_instrument'
  | 'rate_limited';

export const TELEMETRY_DROP_REASONS: readonly TelemetryDropReason[] = [
  'too_large',
  'malformed_json',
  'invalid_schema',
  'bad_timestamp',
  'too_many_readings',
  'unknown_instrument',
  'retired_instrument',
  'rate_limited',
];

/**
 * Epoch milliseconds below this are before March 1973, while epoch seconds reach it only in 5138: a
 * number this small is almost surely seconds, which would be stored (and then discarded as too old)
 * as a time in January 1970. Refused with a reason that says so.
 */
const SECONDS_LIKE_BELOW = 1e11;

export const MAX_MESSAGE_BYTES = 256 * 1024;
export const MAX_READINGS_PER_MESSAGE = 10_000;
const MAX_METRIC_LENGTH = 200;

export type ParsedTelemetry =
  { ok: true; readings: TelemetryReading[] } | { ok: false; reason: TelemetryDropReason; detail: string };

const values = {
  type: 'object',
  minProperties: 1,
  propertyNames: { minLength: 1, maxLength: MAX_METRIC_LENGTH },
  additionalProperties: { type: 'number' },
};

/**
 * CONTRACT.md's telemetry payload: `{ts?, values, tags?}`, an array of those, or a bare
 * `{"metric": number, …}` (values at receive time). Compiled once: this runs for every message.
 */
const entry = {
  if: { type: 'object', required: ['values'] },
  then: {
    type: 'object',
    required: ['values'],
    properties: {
      ts: { type: ['number', 'string'] },
      values,
      tags: { type: 'object', maxProperties: 50 },
    },
    additionalProperties: false,
  },
  else: {
    ...values,
    propertyNames: { ...values.propertyNames, not: { enum: ['ts', 'tags'] } },
  },
};

const ajv = new Ajv({ allErrors: false, strictNumbers: true, allowUnionTypes: true });
const validate = ajv.compile<TelemetryEntry | TelemetryEntry[]>({
  anyOf: [entry, { type: 'array', minItems: 1, items: entry }],
});

interface StructuredEntry {
  ts?: number | string;
  values: Record<string, number>;
  tags?: Record<string, unknown>;
}
type TelemetryEntry = StructuredEntry | Record<string, number>;

/** Readings without a time were measured when the message arrived. */
function parseTime(ts: number | string | undefined, receivedAt: Date): Date | undefined {
  return ts === undefined ? receivedAt : parseTelemetryTime(ts);
}

/**
 * Turns one MQTT telemetry message of an instrument into readings, or says why it is dropped. Pure
 * and synchronous: the bridge calls it once per message on the hot path.
 */
export function parseTelemetryMessage(payload: Buffer, instrumentId: string, receivedAt: Date): ParsedTelemetry {
  if (payload.length > MAX_MESSAGE_BYTES) {
    return { ok: false, reason: 'too_large', detail: `${payload.length} bytes; at most ${MAX_MESSAGE_BYTES}` };
  }
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: 'malformed_json', detail: (err as Error).message };
  }
  if (!validate(body)) {
    const e = validate.errors?.[0];
    return {
      ok: false,
      reason: 'invalid_schema',
      detail: e ? `${e.instancePath || '(message)'} ${e.message ?? ''}`.trim() : 'does not match the telemetry format',
    };
  }
  // PostgreSQL stores NUL (U+0000) in neither text nor jsonb, and refuses very deeply nested jsonb:
  // one such metric name or tag would fail the whole queued batch, other instruments' acknowledged
  // readings with it. Metric values are flat numbers, so only tags can nest; JSON spells NUL, and a
  // "tags" key other than literally, only with \u escapes: messages with neither (most) skip the walk.
  if (payload.includes('\\u') || payload.includes('"tags"')) {
    const unstorable = findUnstorableJson(body);
    if (unstorable) {
      return { ok: false, reason: 'invalid_schema', detail: `${unstorable.path || '(message)'} ${unstorable.problem}` };
    }
  }
  const entries = Array.isArray(body) ? body : [body];
  const readings: TelemetryReading[] = [];
  for (let i = 0; i < entries.length; i++) {
    const item = entries[i];
    const structured = typeof item.values === 'object' && item.values !== null;
    const valuesOf = (structured ? item.values : item) as Record<string, number>;
    const ts = structured ? (item as StructuredEntry).ts : undefined;
    const where = Array.isArray(body) ? `[${i}].ts` : 'ts';
    if (typeof ts === 'number' && ts < SECONDS_LIKE_BELOW) {
      const detail = `${where} ${ts} looks like seconds; ts is epoch milliseconds (or ISO-8601 with a zone)`;
      return { ok: false, reason: 'bad_timestamp', detail };
    }
    const time = parseTime(ts, receivedAt);
    if (!time) {
      return { ok: false, reason: 'bad_timestamp', detail: `${where}: expected ${TELEMETRY_TIME_FORMAT}` };
    }
    // The worker would discard it (a clock far ahead would freeze latest values): say so here, per message.
    const ahead = time.getTime() - receivedAt.getTime();
    if (ahead > TELEMETRY_MAX_AHEAD_MS) {
      const detail =
        `${where} ${time.toISOString()} is ${Math.round(ahead / 60_000)} minutes ahead of the server's clock ` +
        `(at most ${TELEMETRY_MAX_AHEAD_MS / 60_000}); check the instrument's clock`;
      return { ok: false, reason: 'bad_timestamp', detail };
    }
    const tags = structured ? ((item as StructuredEntry).tags ?? null) : null;
    for (const metric in valuesOf) {
      readings.push({ time, instrumentId, metric, value: valuesOf[metric], tags });
    }
    if (readings.length > MAX_READINGS_PER_MESSAGE) {
      return {
        ok: false,
        reason: 'too_many_readings',
        detail: `more than ${MAX_READINGS_PER_MESSAGE} readings in one message`,
      };
    }
  }
  return { ok: true, readings };
}
