import { ValidationError } from '@labwire/core';
import { bullRepeat, checkTiming, latestDue, nextRuns } from './schedule-timing';

const cron = (expr: string, timezone: string, startAt: string | null = null) => ({
  cron: expr,
  timezone,
  intervalMs: null,
  startAt: startAt ? new Date(startAt) : null,
  endAt: null,
  anchorAt: new Date(startAt ?? '2020-01-01T00:00:00Z'),
});
const every = (intervalMs: number, anchor: string, endAt: string | null = null) => ({
  cron: null,
  timezone: null,
  intervalMs,
  startAt: null,
  endAt: endAt ? new Date(endAt) : null,
  anchorAt: new Date(anchor),
});
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('schedule timing', () => {
  it('runs a 02:30 Europe/Berlin job once on the spring-forward day and once on the fall-back day', () => {
    const berlin = cron('30 2 * * *', 'Europe/Berlin');
    expect(iso(nextRuns(berlin, new Date('2027-03-27T12:00:00Z'), 3))).toEqual([
      '2027-03-28T01:30:00.000Z', // 03:30 CEST: 02:30 does not exist that night
      '2027-03-29T00:30:00.000Z',
      '2027-03-30T00:30:00.000Z',
    ]);
    expect(iso(nextRuns(berlin, new Date('2027-10-30T12:00:00Z'), 2))).toEqual([
      '2027-10-31T00:30:00.000Z', // the first 02:30 (CEST); the repeated one (01:30Z) does not run
      '2027-11-01T01:30:00.000Z',
    ]);
  });

  it('finds the latest tick due, for cron and intervals, never before the start', () => {
    const berlin = cron('30 2 * * *', 'Europe/Berlin', '2027-03-26T00:00:00Z');
    expect(latestDue(berlin, new Date('2027-03-28T12:00:00Z'))?.toISOString()).toBe('2027-03-28T01:30:00.000Z');
    expect(latestDue(berlin, new Date('2027-03-25T12:00:00Z'))).toBeNull();
    const twoSeconds = every(2000, '2030-01-01T00:00:00Z');
    expect(latestDue(twoSeconds, new Date('2030-01-01T00:00:07.500Z'))?.toISOString()).toBe('2030-01-01T00:00:06.000Z');
    expect(latestDue(twoSeconds, new Date('2029-12-31T23:59:59Z'))).toBeNull();
  });

  it('counts interval ticks from the anchor and stops at the end', () => {
    const hourly = every(3_600_000, '2030-01-01T00:00:00Z', '2030-01-01T02:00:00Z');
    expect(iso(nextRuns(hourly, new Date('2029-12-31T00:00:00Z'), 5))).toEqual([
      '2030-01-01T00:00:00.000Z',
      '2030-01-01T01:00:00.000Z',
      '2030-01-01T02:00:00.000Z',
    ]);
  });

  it('gives BullMQ an interval scheduler starting on the next tick of the grid', () => {
    const repeat = bullRepeat(every(60_000, '2030-01-01T00:00:30Z'), new Date('2030-01-01T00:05:00Z'));
    expect(repeat).toEqual({ everyMs: 60_000, startDate: Date.parse('2030-01-01T00:05:30Z') });
    expect(bullRepeat(cron('0 3 * * *', 'Europe/Berlin'), new Date())).toEqual({
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
    });
  });

  it('names the field at fault', () => {
    const fields = (input: Parameters<typeof checkTiming>[0]) => {
      try {
        checkTiming(input, 60_000);
        return [];
      } catch (err) {
        return ((err as ValidationError).errors ?? []).map((e) => e.field);
      }
    };
    expect(fields({ cron: '0 3 * * *', timezone: 'Europe/Berlin' })).toEqual([]);
    expect(fields({ cron: '0 3 * * *', timezone: 'Atlantis/Capital' })).toEqual(['timezone']);
    expect(fields({ cron: '0 25 * * *' })).toEqual(['cron']);
    expect(fields({ cron: '0 0 3 * * *' })).toEqual(['cron']);
    expect(fields({ intervalMs: 59_999 })).toEqual(['intervalMs']);
    expect(fields({ intervalMs: 60_000, timezone: 'UTC' })).toEqual(['timezone']);
    expect(fields({})).toEqual(['cron']);
    expect(fields({ intervalMs: 60_000, startAt: new Date(2), endAt: new Date(1) })).toEqual(['endAt']);
  });
});
