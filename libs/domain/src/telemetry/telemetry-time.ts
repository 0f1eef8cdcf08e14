/** ISO-8601 date-time with an explicit zone (Z or ±hh:mm): a reading's time is never ambiguous. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
/** Date supports ±8.64e15 ms around the epoch. */
const MAX_EPOCH_MS = 8.64e15;

/** How far ahead of this server's clock a reading may be (instrument clocks drift). */
export const TELEMETRY_MAX_AHEAD_MS = 10 * 60_000;

export const TELEMETRY_TIME_FORMAT = 'epoch milliseconds or ISO-8601 with a zone (Z or ±hh:mm)';

/**
 * A reading's time as CONTRACT.md gives it: epoch milliseconds (a number) or an ISO-8601 string with
 * a zone. Undefined when it is neither (or outside what a Date can hold).
 */
export function parseTelemetryTime(value: unknown): Date | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && Math.abs(value) <= MAX_EPOCH_MS ? new Date(Math.trunc(value)) : undefined;
  }
  if (typeof value !== 'string' || !ISO_8601.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
