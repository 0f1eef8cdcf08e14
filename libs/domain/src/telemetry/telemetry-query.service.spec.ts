import { rollupServes } from './telemetry-query.service';

const HOUR = 3_600_000;
const q = (from: string, to: string, timeZone: string) => ({ from: new Date(from), to: new Date(to), timeZone });

describe('rollupServes (may hourly rollups answer an aggregate?)', () => {
  it('serves whole-hour ranges and buckets in whole-hour zones', () => {
    expect(rollupServes(q('2026-11-01T00:00:00Z', '2026-11-08T00:00:00Z', 'UTC'), HOUR)).toBe(true);
    expect(rollupServes(q('2026-03-01T00:00:00Z', '2026-11-01T00:00:00Z', 'Europe/Berlin'), 24 * HOUR)).toBe(true);
  });

  it('does not serve partial hours or sub-hour buckets', () => {
    expect(rollupServes(q('2026-11-01T00:30:00Z', '2026-11-02T00:00:00Z', 'UTC'), HOUR)).toBe(false);
    expect(rollupServes(q('2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', 'UTC'), 15 * 60_000)).toBe(false);
  });

  it('does not serve zones a half hour off UTC, at the ends or anywhere in between', () => {
    expect(rollupServes(q('2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', 'Asia/Kolkata'), HOUR)).toBe(false);
    // Lord Howe: +11 in (southern) summer at both ends, +10:30 from April to October in between.
    expect(rollupServes(q('2026-01-10T00:00:00Z', '2026-12-10T00:00:00Z', 'Australia/Lord_Howe'), 24 * HOUR)).toBe(
      false,
    );
    // Within one summer it is a whole-hour zone.
    expect(rollupServes(q('2026-01-10T00:00:00Z', '2026-02-10T00:00:00Z', 'Australia/Lord_Howe'), HOUR)).toBe(true);
  });
});
