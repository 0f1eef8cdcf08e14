import { DataSource } from 'typeorm';
import { TelemetryReading, TelemetryWriter } from '../../../libs/domain/src';
import { createUser, startTestApi, TestApi, TestUser } from '../../support/test-app';

/** Reading telemetry over HTTP: raw pages, aggregates by bucket (time-zone aware), latest values. */
describe('telemetry queries', () => {
  let api: TestApi;
  let owner: TestUser;
  let workspaceId: string;
  let instrumentId: string;
  const base = () => `/api/v1/workspaces/${workspaceId}/instruments/${instrumentId}/telemetry`;
  const T0 = Date.parse('2026-11-01T00:00:00Z');

  beforeAll(async () => {
    api = await startTestApi();
    owner = await createUser(api);
    const ws = await api.request('POST', '/api/v1/workspaces', { token: owner.token, body: { name: 'Q lab' } });
    workspaceId = ws.body.id;
    const inst = await api.request('POST', `/api/v1/workspaces/${workspaceId}/instruments`, {
      token: owner.token,
      body: { name: 'Thermo', serialNumber: 'T-1' },
    });
    instrumentId = inst.body.id;
    // 2 metrics, one reading every 10 minutes for 6 hours; temp = minute index, rh = 50
    const readings: TelemetryReading[] = [];
    for (let i = 0; i < 36; i++) {
      const time = new Date(T0 + i * 10 * 60_000);
      readings.push({ time, instrumentId, metric: 'temp', value: i });
      readings.push({ time, instrumentId, metric: 'rh', value: 50, tags: { probe: 'b' } });
    }
    // two readings either side of midnight in Berlin (UTC+1): 22:30Z and 23:30Z on Nov 2
    readings.push({ time: new Date('2026-11-02T22:30:00Z'), instrumentId, metric: 'temp', value: 100 });
    readings.push({ time: new Date('2026-11-02T23:30:00Z'), instrumentId, metric: 'temp', value: 200 });
    await api.app.get(TelemetryWriter).store(readings);
  });
  afterAll(() => api.close());

  const get = (path: string, query: Record<string, string | number> = {}) =>
    api.request('GET', `${base()}${path}`, { token: owner.token, query });

  it('pages raw points with a cursor, each exactly once and in order', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await get('', {
        from: '2026-11-01T00:00:00Z',
        to: '2026-11-01T06:00:00Z',
        limit: 25,
        ...(cursor ? { cursor } : {}),
      });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((p: any) => `${p.time}|${p.metric}`));
      cursor = res.body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(72);
    expect(new Set(seen).size).toBe(72);
    expect([...seen].sort()).toEqual(seen);

    const desc = await get('', {
      from: '2026-11-01T00:00:00Z',
      to: '2026-11-01T06:00:00Z',
      order: 'desc',
      metrics: 'temp',
      limit: 2,
    });
    expect(desc.body.items).toEqual([
      { time: '2026-11-01T05:50:00.000Z', instrumentId, metric: 'temp', value: 35, tags: null },
      { time: '2026-11-01T05:40:00.000Z', instrumentId, metric: 'temp', value: 34, tags: null },
    ]);
  });

  it('aggregates per hour with every function', async () => {
    const res = await get('/aggregate', {
      from: '2026-11-01T00:00:00Z',
      to: '2026-11-01T02:00:00Z',
      bucket: '1h',
      fn: 'avg,min,max,sum,count,first,last',
      metrics: 'temp',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      truncated: false,
      items: [
        {
          bucket: '2026-11-01T00:00:00.000Z',
          instrumentId,
          metric: 'temp',
          values: { avg: 2.5, min: 0, max: 5, sum: 15, count: 6, first: 0, last: 5 },
        },
        {
          bucket: '2026-11-01T01:00:00.000Z',
          instrumentId,
          metric: 'temp',
          values: { avg: 8.5, min: 6, max: 11, sum: 51, count: 6, first: 6, last: 11 },
        },
      ],
    });
  });

  it('aligns day buckets to the requested time zone', async () => {
    const q = { from: '2026-11-02T12:00:00Z', to: '2026-11-03T12:00:00Z', bucket: '1d', fn: 'sum', metrics: 'temp' };
    const utc = await get('/aggregate', q);
    expect(utc.body.items).toEqual([
      { bucket: '2026-11-02T00:00:00.000Z', instrumentId, metric: 'temp', values: { sum: 300 } },
    ]);
    const berlin = await get('/aggregate', { ...q, tz: 'Europe/Berlin' });
    expect(berlin.body.items).toEqual([
      { bucket: '2026-11-01T23:00:00.000Z', instrumentId, metric: 'temp', values: { sum: 100 } },
      { bucket: '2026-11-02T23:00:00.000Z', instrumentId, metric: 'temp', values: { sum: 200 } },
    ]);
    expect((await get('/aggregate', { ...q, tz: 'Mars/Olympus' })).status).toBe(400);
  });

  it('fills empty buckets on request and never cuts silently', async () => {
    const filled = await get('/aggregate', {
      from: '2026-11-01T05:00:00Z',
      to: '2026-11-01T08:00:00Z',
      bucket: '1h',
      metrics: 'rh',
      fill: 'null',
    });
    expect(filled.body.items.map((i: any) => [i.bucket, i.values.avg])).toEqual([
      ['2026-11-01T05:00:00.000Z', 50],
      ['2026-11-01T06:00:00.000Z', null],
      ['2026-11-01T07:00:00.000Z', null],
    ]);
    const cut = await get('/aggregate', {
      from: '2026-11-01T00:00:00Z',
      to: '2026-11-01T06:00:00Z',
      bucket: '10m',
      maxPoints: 10,
    });
    expect(cut.body.truncated).toBe(true);
    expect(cut.body.items).toHaveLength(10);
  });

  it('answers the same from hourly rollups as from raw readings, and a redelivered batch counts once', async () => {
    const fn = 'avg,min,max,sum,count,first,last';
    const from = '2026-11-01T00:00:00Z';
    // an hour-aligned range is served from rollups; one ending a millisecond early from the readings
    for (const [bucket, tz] of [
      ['1h', 'UTC'],
      ['2h', 'UTC'],
      ['1d', 'Europe/Berlin'],
      ['1d', 'Asia/Kolkata'],
    ]) {
      const rollup = await get('/aggregate', { from, to: '2026-11-01T06:00:00Z', bucket, fn, tz });
      const raw = await get('/aggregate', { from, to: '2026-11-01T05:59:59.999Z', bucket, fn, tz });
      expect({ bucket, tz, items: rollup.body.items }).toEqual({ bucket, tz, items: raw.body.items });
      expect(rollup.body.items.length).toBeGreaterThan(0);
    }
    const hourly = await api.app.get(DataSource).query(
      `SELECT count, sum, first_value, last_value FROM telemetry_hourly WHERE instrument_id = $1 AND metric = 'temp'
              AND bucket = '2026-11-01T01:00:00Z'`,
      [instrumentId],
    );
    expect(hourly).toEqual([{ count: '6', sum: 51, first_value: 6, last_value: 11 }]);
    const before = await get('/aggregate', { from, to: '2026-11-01T06:00:00Z', bucket: '1d', fn: 'count,sum' });
    await api.app.get(TelemetryWriter).store([
      { time: new Date(T0), instrumentId, metric: 'temp', value: 0 },
      { time: new Date(T0 + 600_000), instrumentId, metric: 'temp', value: 1 },
    ]);
    const after = await get('/aggregate', { from, to: '2026-11-01T06:00:00Z', bucket: '1d', fn: 'count,sum' });
    expect(after.body).toEqual(before.body);
    expect(
      await api.app
        .get(DataSource)
        .query(`SELECT count FROM telemetry_hourly WHERE bucket = $1 AND metric = 'temp'`, [new Date(T0)]),
    ).toEqual([{ count: '6' }]);
  });

  it('returns the latest value per metric', async () => {
    const res = await get('/latest');
    expect(res.body).toEqual([
      { metric: 'rh', time: '2026-11-01T05:50:00.000Z', value: 50, tags: { probe: 'b' } },
      { metric: 'temp', time: '2026-11-02T23:30:00.000Z', value: 200, tags: null },
    ]);
  });

  it('answers [] for an instrument that has sent nothing yet', async () => {
    const quiet = await api.request('POST', `/api/v1/workspaces/${workspaceId}/instruments`, {
      token: owner.token,
      body: { name: 'Quiet', serialNumber: 'Q-1' },
    });
    const res = await api.request(
      'GET',
      `/api/v1/workspaces/${workspaceId}/instruments/${quiet.body.id}/telemetry/latest`,
      {
        token: owner.token,
      },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });

  it('refuses bad input and other workspaces', async () => {
    expect((await get('', { from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' })).status).toBe(400);
    expect((await get('', { cursor: 'not-a-cursor' })).status).toBe(400);
    expect((await get('/aggregate', { bucket: '90s' })).status).toBe(400);
    expect((await get('/aggregate', { fn: 'median' })).status).toBe(400);
    // a bucket PostgreSQL's interval cannot hold was a 500; any bucket past ten years is refused by name
    for (const bucket of ['99999999999999999999d', '3661d', '5270401m']) {
      const wide = await get('/aggregate', { bucket });
      expect({ bucket, status: wide.status, errors: wide.body.errors }).toEqual({
        bucket,
        status: 400,
        errors: [{ field: 'bucket', message: expect.stringContaining('at most 3660d') }],
      });
    }
    expect((await get('/aggregate', { bucket: '3660d' })).status).toBe(200);
    const huge = await get('/aggregate', {
      from: '1900-01-01T00:00:00Z',
      to: '2100-01-01T00:00:00Z',
      bucket: '1m',
      fill: 'null',
    });
    expect(huge.status).toBe(400);
    expect(huge.body.detail).toContain('more than maxPoints');
    const stranger = await createUser(api);
    expect((await api.request('GET', `${base()}/latest`, { token: stranger.token })).status).toBe(404);
    const ws2 = await api.request('POST', '/api/v1/workspaces', { token: owner.token, body: { name: 'Other' } });
    const elsewhere = `/api/v1/workspaces/${ws2.body.id}/instruments/${instrumentId}/telemetry/latest`;
    const res = await api.request('GET', elsewhere, { token: owner.token });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('INSTRUMENT_NOT_FOUND');
  });

  describe('several instruments at workspace level, and CSV export', () => {
    let second: string;
    const ws = () => `/api/v1/workspaces/${workspaceId}/telemetry`;
    const wsGet = (path: string, query: Record<string, string | number>) =>
      api.request('GET', `${ws()}${path}`, { token: owner.token, query });

    beforeAll(async () => {
      const inst = await api.request('POST', `/api/v1/workspaces/${workspaceId}/instruments`, {
        token: owner.token,
        body: { name: 'Hygro', serialNumber: 'H-2' },
      });
      second = inst.body.id;
      const readings: TelemetryReading[] = [];
      for (let i = 0; i < 12; i++) {
        readings.push({ time: new Date(T0 + i * 10 * 60_000), instrumentId: second, metric: 'rh', value: 40 + i });
      }
      // a tag value that needs CSV quoting
      readings.push({
        time: new Date(T0 + 5 * 60_000),
        instrumentId: second,
        metric: 'note',
        value: 1,
        tags: { text: 'a "quoted", line\nbreak' },
      });
      await api.app.get(TelemetryWriter).store(readings);
    });

    it('pages raw points of several instruments in (time, instrument, metric) order', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      const query = {
        instrumentIds: `${instrumentId},${second}`,
        from: '2026-11-01T00:00:00Z',
        to: '2026-11-01T02:00:00Z',
      };
      do {
        const res = await wsGet('', { ...query, limit: 7, ...(cursor ? { cursor } : {}) });
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((p: any) => `${p.time}|${p.instrumentId === second ? 2 : 1}|${p.metric}`));
        cursor = res.body.nextCursor ?? undefined;
      } while (cursor);
      // first: 12 temp + 12 rh over 2 hours; second: 12 rh + 1 note
      expect(seen).toHaveLength(37);
      expect(new Set(seen).size).toBe(37);
      const ordered = [...seen].sort((a, b) => {
        const [ta, ia, ma] = a.split('|');
        const [tb, ib, mb] = b.split('|');
        return (
          ta.localeCompare(tb) ||
          (ia === ib ? 0 : (ia === '2') === instrumentId > second ? -1 : 1) ||
          ma.localeCompare(mb)
        );
      });
      expect(seen).toEqual(ordered);
    });

    it('aggregates per bucket, instrument and metric, and gives latest values of each instrument', async () => {
      const agg = await wsGet('/aggregate', {
        instrumentIds: `${instrumentId},${second}`,
        metrics: 'rh',
        from: '2026-11-01T00:00:00Z',
        to: '2026-11-01T02:00:00Z',
        bucket: '1h',
        fn: 'avg,count',
      });
      expect(agg.status).toBe(200);
      const rows = agg.body.items.map((r: any) => [
        r.bucket.slice(11, 13),
        r.instrumentId === second ? 2 : 1,
        r.values,
      ]);
      expect(rows).toEqual(
        expect.arrayContaining([
          ['00', 1, { avg: 50, count: 6 }],
          ['00', 2, { avg: 42.5, count: 6 }],
          ['01', 2, { avg: 48.5, count: 6 }],
        ]),
      );
      expect(rows).toHaveLength(4);
      const latest = await wsGet('/latest', { instrumentIds: `${second},${instrumentId}` });
      expect(latest.status).toBe(200);
      expect(latest.body.filter((l: any) => l.instrumentId === second).map((l: any) => [l.metric, l.value])).toEqual([
        ['note', 1],
        ['rh', 51],
      ]);
      expect(latest.body.filter((l: any) => l.instrumentId === instrumentId)).toHaveLength(2);
    });

    it('refuses an instrument of another workspace (404 naming it) and malformed ids (400)', async () => {
      const other = await api.request('POST', '/api/v1/workspaces', {
        token: owner.token,
        body: { name: 'Elsewhere' },
      });
      const foreign = await api.request('POST', `/api/v1/workspaces/${other.body.id}/instruments`, {
        token: owner.token,
        body: { name: 'Foreign', serialNumber: 'F-1' },
      });
      const res = await wsGet('/latest', { instrumentIds: `${instrumentId},${foreign.body.id}` });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('INSTRUMENT_NOT_FOUND');
      expect(res.body.detail).toContain(foreign.body.id);
      expect((await wsGet('', { instrumentIds: 'nope' })).status).toBe(400);
      expect((await wsGet('/aggregate', {})).status).toBe(400);
      const stranger = await createUser(api);
      const denied = await api.request('GET', `${ws()}/latest`, {
        token: stranger.token,
        query: { instrumentIds: instrumentId },
      });
      expect(denied.status).toBe(404);
    });

    it('exports every reading as CSV, quoting where needed, and checks access before streaming', async () => {
      const res = await wsGet('/export', {
        instrumentIds: `${instrumentId},${second}`,
        from: '2026-11-01T00:00:00Z',
        to: '2026-11-03T00:00:00Z',
      });
      expect(res.status).toBe(200);
      expect(String(res.headers['content-type'])).toMatch(/^text\/csv/);
      const text = String(res.body);
      const lines = text.trimEnd().split('\n');
      expect(lines[0]).toBe('time,instrument_id,metric,value,tags');
      // 72 + 2 readings of the first instrument, 13 of the second
      expect(lines).toHaveLength(1 + 74 + 13);
      expect(text).toContain(
        `2026-11-01T00:05:00.000Z,${second},note,1,"{""text"":""a \\""quoted\\"", line\\nbreak""}"`,
      );
      const one = await api.request('GET', `${base()}/export`, {
        token: owner.token,
        query: { from: '2026-11-01T00:00:00Z', to: '2026-11-01T01:00:00Z', metrics: 'temp' },
      });
      expect(String(one.body).trimEnd().split('\n')).toEqual([
        'time,instrument_id,metric,value,tags',
        ...Array.from({ length: 6 }, (_, i) => `2026-11-01T00:${i}0:00.000Z,${instrumentId},temp,${i},`),
      ]);
      const stranger = await createUser(api);
      const denied = await api.request('GET', `${base()}/export`, { token: stranger.token });
      expect(denied.status).toBe(404);
      expect(String(denied.headers['content-type'])).toMatch(/problem\+json/);
    });
  });
});
