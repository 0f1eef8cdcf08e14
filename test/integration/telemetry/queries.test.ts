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
      { time: '2026-11-01T05:50:00.000Z', metric: 'temp', value: 35, tags: null },
      { time: '2026-11-01T05:40:00.000Z', metric: 'temp', value: 34, tags: null },
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
          metric: 'temp',
          values: { avg: 2.5, min: 0, max: 5, sum: 15, count: 6, first: 0, last: 5 },
        },
        {
          bucket: '2026-11-01T01:00:00.000Z',
          metric: 'temp',
          values: { avg: 8.5, min: 6, max: 11, sum: 51, count: 6, first: 6, last: 11 },
        },
      ],
    });
  });

  it('aligns day buckets to the requested time zone', async () => {
    const q = { from: '2026-11-02T12:00:00Z', to: '2026-11-03T12:00:00Z', bucket: '1d', fn: 'sum', metrics: 'temp' };
    const utc = await get('/aggregate', q);
    expect(utc.body.items).toEqual([{ bucket: '2026-11-02T00:00:00.000Z', metric: 'temp', values: { sum: 300 } }]);
    const berlin = await get('/aggregate', { ...q, tz: 'Europe/Berlin' });
    expect(berlin.body.items).toEqual([
      { bucket: '2026-11-01T23:00:00.000Z', metric: 'temp', values: { sum: 100 } },
      { bucket: '2026-11-02T23:00:00.000Z', metric: 'temp', values: { sum: 200 } },
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
});
