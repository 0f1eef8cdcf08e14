import { ValidationError } from '@labwire/core';
import { parseBackfillCsv, parseBackfillJson } from './telemetry-backfill.parser';
import { BackfillTooManyPointsError } from './telemetry.errors';

const NOW = new Date('2026-11-21T10:00:00.000Z');
const T = Date.parse('2026-11-20T08:00:00Z');

describe('parseBackfillJson', () => {
  it('reads one entry, arrays of entries and bare values, numbering rows by array index', () => {
    expect(parseBackfillJson({ ts: T, values: { ph: 7 }, tags: { probe: 'a' } }, NOW, 10)).toEqual({
      points: 1,
      readings: [{ row: 0, time: T, metric: 'ph', value: 7, tags: { probe: 'a' } }],
      errors: [],
    });
    const parsed = parseBackfillJson([{ values: { ph: 7 } }, { temp: 20, rh: 40 }], NOW, 10);
    expect(parsed.points).toBe(3);
    expect(parsed.readings.map((r) => [r.row, r.time, r.metric])).toEqual([
      [0, NOW.getTime(), 'ph'],
      [1, NOW.getTime(), 'temp'],
      [1, NOW.getTime(), 'rh'],
    ]);
  });

  it('refuses a whole row for its time, fields or tags, and only the bad reading for a bad value', () => {
    const { readings, errors } = parseBackfillJson(
      [
        { ts: '2026-11-20T08:00:00', values: { a: 1 } }, // no zone
        { ts: T, ts2: 1, values: { a: 1 } },
        { ts: T, values: { a: 1, b: 'x', c: null, ['m'.repeat(201)]: 1 } },
        { ts: T, tags: { t: 1 }, a: 1 },
        { ts: T, values: {} },
      ],
      NOW,
      100,
    );
    expect(readings.map((r) => [r.row, r.metric])).toEqual([[2, 'a']]);
    expect(errors.map((e) => [e.row, e.field])).toEqual([
      [0, 'ts'],
      [1, 'ts2'],
      [2, 'values.b'],
      [2, 'values.c'],
      [2, `values.${'m'.repeat(201)}`],
      [3, 'ts'],
      [3, 'tags'],
      [4, 'values'],
    ]);
  });

  it('counts readings against the limit before looking at them', () => {
    expect(() => parseBackfillJson({ values: { a: 1, b: 2, c: 3 } }, NOW, 2)).toThrow(BackfillTooManyPointsError);
    expect(() => parseBackfillJson('text', NOW, 2)).toThrow(ValidationError);
  });
});

describe('parseBackfillCsv', () => {
  it('numbers rows by the line they start on, across CRLF, blank lines and quoted line breaks', async () => {
    const csv =
      'value,time,metric\r\n7,2026-11-20T08:00:00Z,ph\r\n\r\n"8",2026-11-20T08:01:00+01:00,"p\r\nh"\r\n9,x,ph';
    const { points, readings, errors } = await parseBackfillCsv(`\ufeff${csv}`, 10);
    expect(points).toBe(3);
    expect(readings).toEqual([
      { row: 2, time: T, metric: 'ph', value: 7, tags: null },
      { row: 4, time: Date.parse('2026-11-20T07:01:00Z'), metric: 'p\nh', value: 8, tags: null },
    ]);
    expect(errors).toEqual([{ row: 6, field: 'time', message: expect.stringContaining('not a time') }]);
  });

  it('reports a malformed record on its line and stops at the limit', async () => {
    const bad = await parseBackfillCsv('time,metric,value\n1,a,1\n2,"b"x,2\n', 10);
    expect(bad.readings).toHaveLength(1);
    expect(bad.errors).toEqual([{ row: 3, message: expect.stringContaining('malformed CSV') }]);
    await expect(parseBackfillCsv('time,metric,value\n1,a,1\n2,a,2\n3,a,3\n', 2)).rejects.toBeInstanceOf(
      BackfillTooManyPointsError,
    );
    await expect(parseBackfillCsv('', 2)).rejects.toBeInstanceOf(ValidationError);
    await expect(parseBackfillCsv('time,metric,value\n', 2)).rejects.toThrow(/no rows/);
  });
});
