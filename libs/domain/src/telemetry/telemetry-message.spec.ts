import { MAX_MESSAGE_BYTES, parseTelemetryMessage } from './telemetry-message';

const ID = '6f1c1f0e-4a4b-4c55-9a43-7f0f8f6a1b2c';
const NOW = new Date('2026-11-21T10:00:00.000Z');
const parse = (body: unknown) =>
  parseTelemetryMessage(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), ID, NOW);

describe('parseTelemetryMessage', () => {
  it('reads {ts, values, tags} with epoch milliseconds', () => {
    const r = parse({ ts: 1_795_000_000_000, values: { ph: 7.1, temp: 21 }, tags: { probe: 'a' } });
    expect(r).toEqual({
      ok: true,
      readings: [
        { time: new Date(1_795_000_000_000), instrumentId: ID, metric: 'ph', value: 7.1, tags: { probe: 'a' } },
        { time: new Date(1_795_000_000_000), instrumentId: ID, metric: 'temp', value: 21, tags: { probe: 'a' } },
      ],
    });
  });

  it('reads ISO-8601 times, arrays of entries, and bare values at receive time', () => {
    const arr = parse([
      { ts: '2026-11-21T09:59:00Z', values: { ph: 7 } },
      { ts: '2026-11-21T10:59:00.250+01:00', values: { ph: 7.2 } },
      { values: { ph: 7.3 } },
    ]);
    expect(arr.ok && arr.readings.map((x) => [x.time.toISOString(), x.value, x.tags])).toEqual([
      ['2026-11-21T09:59:00.000Z', 7, null],
      ['2026-11-21T09:59:00.250Z', 7.2, null],
      [NOW.toISOString(), 7.3, null],
    ]);
    const bare = parse({ ph: 6.9, conductivity: -1.5e-3 });
    expect(bare.ok && bare.readings.map((x) => [x.time, x.metric, x.value])).toEqual([
      [NOW, 'ph', 6.9],
      [NOW, 'conductivity', -1.5e-3],
    ]);
  });

  it.each([
    ['not JSON', '{"ph": 7', 'malformed_json'],
    ['a string', '"hello"', 'invalid_schema'],
    ['a non-number value', { values: { ph: '7' } }, 'invalid_schema'],
    ['a bare non-number', { ph: true }, 'invalid_schema'],
    ['an overflowing number (Infinity)', '{"values": {"ph": 1e999}}', 'invalid_schema'],
    ['an unknown field', { ts: 1, values: { ph: 1 }, extra: 1 }, 'invalid_schema'],
    ['empty values', { values: {} }, 'invalid_schema'],
    ['an empty array', [], 'invalid_schema'],
    ['an empty metric name', { values: { '': 1 } }, 'invalid_schema'],
    ['a bare ts without values', { ts: 1, ph: 2 }, 'invalid_schema'],
    ['tags that are not an object', { values: { ph: 1 }, tags: 'x' }, 'invalid_schema'],
    ['a date-only ts', { ts: '2026-11-21', values: { ph: 1 } }, 'bad_timestamp'],
    ['a ts beyond the Date range', { ts: 9e15, values: { ph: 1 } }, 'bad_timestamp'],
    ['an impossible date', { ts: '2026-13-45T99:00:00Z', values: { ph: 1 } }, 'bad_timestamp'],
  ])('drops %s', (_what, body, reason) => {
    const r = parse(body);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toBe(reason);
    expect(!r.ok && r.detail.length).toBeGreaterThan(0);
  });

  it('names a ts in seconds as such (it would be stored in January 1970 and then discarded)', () => {
    const r = parse({ ts: 1733318400, values: { ph: 7 } });
    expect(r).toMatchObject({ ok: false, reason: 'bad_timestamp' });
    expect(!r.ok && r.detail).toBe(
      'ts 1733318400 looks like seconds; ts is epoch milliseconds (or ISO-8601 with a zone)',
    );
    const inArray = parse([
      { ts: 1_795_000_000_000, values: { ph: 7 } },
      { ts: 1_795_000_000, values: { ph: 7 } },
    ]);
    expect(!inArray.ok && inArray.detail).toMatch(/^\[1\]\.ts 1795000000 looks like seconds/);
    expect(parse({ ts: 1e11, values: { ph: 7 } }).ok).toBe(true);
  });

  it('drops a ts more than 10 minutes ahead of the server clock, saying how far', () => {
    const r = parse({ ts: NOW.getTime() + 3 * 3600_000, values: { ph: 7 } });
    expect(r).toMatchObject({ ok: false, reason: 'bad_timestamp' });
    expect(!r.ok && r.detail).toBe(
      "ts 2026-11-21T13:00:00.000Z is 180 minutes ahead of the server's clock (at most 10); check the instrument's clock",
    );
    expect(parse({ ts: NOW.getTime() + 9 * 60_000, values: { ph: 7 } }).ok).toBe(true);
  });

  it('drops messages that are too large or carry too many readings', () => {
    const big = Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x20);
    expect(parseTelemetryMessage(big, ID, NOW)).toMatchObject({ ok: false, reason: 'too_large' });
    const many = Array.from({ length: 101 }, (_, i) => ({
      ts: 1_795_000_000_000 + i,
      values: Object.fromEntries(Array.from({ length: 100 }, (_, m) => [`m${m}`, m])),
    }));
    expect(parse(many)).toMatchObject({ ok: false, reason: 'too_many_readings' });
  });

  it('drops NUL characters in metric names or tags (PostgreSQL stores them nowhere: the whole batch would fail)', () => {
    for (const body of [
      { values: { 'p\u0000h': 7 } },
      { 'p\u0000h': 7 },
      [{ values: { ph: 7 } }, { values: { ph: 7.1 }, tags: { probe: 'a\u0000' } }],
      { values: { ph: 7 }, tags: { nested: { 'k\u0000': [1] } } },
    ]) {
      const r = parse(body);
      expect(r).toMatchObject({ ok: false, reason: 'invalid_schema' });
      expect(!r.ok && r.detail).toContain('\\u0000');
    }
    // an escaped backslash followed by "u0000" is ordinary text
    expect(parse('{"values": {"p\\\\u0000h": 7}}')).toMatchObject({ ok: true });
  });

  it('drops tags nested too deep for jsonb (the whole batch would fail)', () => {
    const deep = (levels: number) => `{"values": {"ph": 7}, "tags": {"a": ${'['.repeat(levels)}${']'.repeat(levels)}}}`;
    expect(parseTelemetryMessage(Buffer.from(deep(20)), ID, NOW)).toMatchObject({ ok: true });
    const r = parseTelemetryMessage(Buffer.from(deep(100_000)), ID, NOW);
    expect(r).toMatchObject({ ok: false, reason: 'invalid_schema' });
    expect(!r.ok && r.detail).toMatch(/^tags\.a(\[0\])+ nests deeper than/);

    // the key spelt with an escape is the same key
    const escaped = parseTelemetryMessage(Buffer.from(deep(100_000).replace('"tags"', '"t\\u0061gs"')), ID, NOW);
    expect(escaped).toMatchObject({ ok: false, reason: 'invalid_schema' });
  });
});
