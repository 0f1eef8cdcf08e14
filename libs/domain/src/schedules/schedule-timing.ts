import { parseExpression } from 'cron-parser';
import { FieldError, ValidationError } from '@labwire/core';
import { ScheduleRepeat } from '@labwire/queue';
import { Schedule, ScheduleTiming, scheduleTiming } from './schedule';

type Timed = Pick<Schedule, 'cron' | 'timezone' | 'intervalMs' | 'startAt' | 'endAt' | 'anchorAt'>;

/** Whether the runtime knows the IANA time zone (`Europe/Berlin`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The timing a request asks for, checked field by field: a five-field cron expression (minute hour
 * day-of-month month day-of-week; no seconds field) with an IANA time zone, or an interval of at
 * least `minIntervalMs`, never both; a start before the end.
 */
export function checkTiming(
  input: {
    cron?: string | null;
    timezone?: string | null;
    intervalMs?: number | null;
    startAt?: Date | null;
    endAt?: Date | null;
  },
  minIntervalMs: number,
): ScheduleTiming {
  const errors: FieldError[] = [];
  const hasCron = input.cron !== undefined && input.cron !== null;
  const hasInterval = input.intervalMs !== undefined && input.intervalMs !== null;
  let timing: ScheduleTiming | undefined;
  if (hasCron === hasInterval) {
    errors.push({ field: hasCron ? 'intervalMs' : 'cron', message: 'give either cron (with timezone) or intervalMs' });
  } else if (hasCron) {
    const cron = (input.cron as string).trim().replace(/\s+/g, ' ');
    const timezone = input.timezone ?? 'UTC';
    if (!isTimeZone(timezone)) errors.push({ field: 'timezone', message: `"${timezone}" is not an IANA time zone` });
    if (cron.split(' ').length !== 5) {
      errors.push({ field: 'cron', message: 'must have five fields: minute hour day-of-month month day-of-week' });
    } else {
      try {
        parseExpression(cron, { tz: isTimeZone(timezone) ? timezone : 'UTC' }).next();
      } catch (err) {
        errors.push({ field: 'cron', message: `not a cron expression: ${(err as Error).message}` });
      }
    }
    timing = { cron, timezone };
  } else {
    const intervalMs = input.intervalMs as number;
    if (!Number.isInteger(intervalMs) || intervalMs < minIntervalMs) {
      errors.push({
        field: 'intervalMs',
        message: `must be a whole number of milliseconds, at least ${minIntervalMs}`,
      });
    }
    timing = { intervalMs };
  }
  if (!hasCron && input.timezone) errors.push({ field: 'timezone', message: 'applies to cron schedules only' });
  if (input.startAt && input.endAt && input.startAt >= input.endAt) {
    errors.push({ field: 'endAt', message: 'must be after startAt' });
  }
  if (errors.length) throw new ValidationError('The schedule timing is not valid', errors);
  return timing as ScheduleTiming;
}

/**
 * The next `count` times the schedule fires after `from` (not before its start, not after its end).
 * Cron expressions go through cron-parser, the library BullMQ's job schedulers use, in the schedule's
 * time zone: a 02:30 run on the day clocks spring forward runs once (at 03:30 local), and on the day
 * they fall back it runs once (the first 02:30). Intervals count from the anchor (start or creation).
 */
export function nextRuns(schedule: Timed, from: Date, count: number): Date[] {
  const after = new Date(Math.max(from.getTime(), (schedule.startAt?.getTime() ?? 0) - 1));
  const end = schedule.endAt?.getTime() ?? Infinity;
  const out: Date[] = [];
  const timing = scheduleTiming(schedule);
  if ('cron' in timing) {
    const iterator = parseExpression(timing.cron, { tz: timing.timezone, currentDate: after });
    while (out.length < count) {
      const next = iterator.next().toDate();
      if (next.getTime() > end) break;
      out.push(next);
    }
    return out;
  }
  const every = timing.intervalMs;
  const anchor = schedule.anchorAt.getTime();
  let k = Math.max(0, Math.floor((after.getTime() - anchor) / every) + 1);
  while (out.length < count) {
    const next = anchor + k * every;
    if (next > end) break;
    out.push(new Date(next));
    k++;
  }
  return out;
}

/**
 * Whether the cron expression names its hours (`30 2 * * *`) rather than every hour (`0,30 * * * *`):
 * such a schedule runs once at a wall-clock time that comes twice when clocks fall back, as cron does.
 */
export function fixedHours(schedule: Pick<Schedule, 'cron' | 'timezone'>): boolean {
  if (schedule.cron === null) return false;
  return parseExpression(schedule.cron, { tz: schedule.timezone ?? 'UTC' }).fields.hour.length < 24;
}

/** The last time the schedule fired at or before `at`, or null when none (before its start). */
export function latestDue(schedule: Timed, at: Date): Date | null {
  const start = schedule.startAt?.getTime() ?? -Infinity;
  const limit = Math.min(at.getTime(), schedule.endAt?.getTime() ?? Infinity);
  const timing = scheduleTiming(schedule);
  let due: number;
  if ('cron' in timing) {
    try {
      due = parseExpression(timing.cron, { tz: timing.timezone, currentDate: new Date(limit + 1) })
        .prev()
        .getTime();
    } catch {
      return null;
    }
    // cron-parser's prev() can miss the run a DST change moved (03:30 for a 02:30 on the spring-forward
    // day), which next() (and so BullMQ) makes: walk forward with next() from there.
    const forward = parseExpression(timing.cron, { tz: timing.timezone, currentDate: new Date(due) });
    for (let i = 0; i < 1000; i++) {
      const next = forward.next().getTime();
      if (next > limit) break;
      due = next;
    }
  } else {
    const anchor = schedule.anchorAt.getTime();
    if (limit < anchor) return null;
    due = anchor + Math.floor((limit - anchor) / timing.intervalMs) * timing.intervalMs;
  }
  return due >= start ? new Date(due) : null;
}

/**
 * The BullMQ repeat options of the schedule. An interval's first firing is its next tick on the grid
 * counted from the anchor (BullMQ keeps that offset), so BullMQ fires when nextRuns says.
 */
export function bullRepeat(schedule: Timed, now: Date): ScheduleRepeat | null {
  const [first] = nextRuns(schedule, now, 1);
  if (!first) return null;
  const endDate = schedule.endAt ? { endDate: schedule.endAt.getTime() } : {};
  const timing = scheduleTiming(schedule);
  if ('cron' in timing) {
    return {
      cron: timing.cron,
      timezone: timing.timezone,
      ...(schedule.startAt && { startDate: schedule.startAt.getTime() }),
      ...endDate,
    };
  }
  return { everyMs: timing.intervalMs, startDate: first.getTime(), ...endDate };
}
