import { randomBytes } from 'node:crypto';
import { waitFor } from '../support/built-app';
import { BuiltStack } from '../support/built-stack';
import { SseTestClient } from '../support/sse-client';

/**
 * Issue 8, item 13: dropped telemetry is visible on its instrument (counts by reason, the last
 * reason, detail and time at …/telemetry/drops, and `drop` events on its stream), through the real
 * broker and the built api and worker.
 */
describe('dropped telemetry, per instrument (built api and worker, real broker)', () => {
  let stack: BuiltStack;
  let workspaceId: string;
  const streams: SseTestClient[] = [];

  const newInstrument = () => stack.connectNewInstrument(workspaceId);

  const dropsOf = async (id: string) =>
    (await stack.http('GET', `/api/v1/workspaces/${workspaceId}/instruments/${id}/telemetry/drops`)).body;

  beforeAll(async () => {
    stack = await BuiltStack.start({ ownBroker: true, env: { TELEMETRY_DROPS_FLUSH_MS: '300' } });
    workspaceId = (await stack.http('POST', '/api/v1/workspaces', { name: 'Drops' })).body.id;
  });

  afterAll(async () => {
    for (const s of streams) s.close();
    await stack?.close();
  });

  it('counts a ts in seconds, a string value and bad JSON on the instrument, names seconds, and streams a drop event', async () => {
    const { id, client } = await newInstrument();
    const stream = await SseTestClient.connect(
      `${stack.apiUrl}/api/v1/workspaces/${workspaceId}/instruments/${id}/events`,
      { authorization: `Bearer ${stack.token}` },
    );
    streams.push(stream);
    await stream.next((e) => e.event === 'ready');
    expect(await dropsOf(id)).toEqual({
      instrumentId: id,
      total: 0,
      byReason: {},
      lastReason: null,
      lastDetail: null,
      lastAt: null,
    });

    const topic = `labwire/instruments/${id}/telemetry`;
    const before = Date.now();
    await client.publishAsync(topic, JSON.stringify({ values: { ph: 'seven' } }), { qos: 1 });
    await client.publishAsync(topic, '{"values": {"ph": 7', { qos: 1 });
    await client.publishAsync(topic, JSON.stringify({ ts: Date.now() - 1000, values: { ph: 7 } }), { qos: 1 });
    await client.publishAsync(topic, JSON.stringify({ ts: Date.now() + 3 * 3600_000, values: { ph: 7 } }), { qos: 1 });
    await client.publishAsync(topic, JSON.stringify({ ts: '2000-01-01T00:00:00Z', values: { ph: 7 } }), { qos: 1 });
    await client.publishAsync(topic, JSON.stringify({ ts: 1733318400, values: { ph: 7 } }), { qos: 1 });

    await waitFor(async () => (await dropsOf(id)).total === 5, 15_000, 'five drops counted on the instrument');
    const drops = await dropsOf(id);
    expect(drops).toMatchObject({
      total: 5,
      byReason: { invalid_schema: 1, malformed_json: 1, bad_timestamp: 3 },
      lastReason: 'bad_timestamp',
      lastDetail: 'ts 1733318400 looks like seconds; ts is epoch milliseconds (or ISO-8601 with a zone)',
    });
    expect(Date.parse(drops.lastAt)).toBeGreaterThanOrEqual(before - 1000);
    await waitFor(
      async () => (await stack.pg.query(`SELECT 1 FROM telemetry WHERE instrument_id = $1`, [id])).rowCount === 1,
      15_000,
      'the valid reading stored',
    );

    // The stream heard of them in events that add up (at most one per flush interval, not one per message).
    const dropEvents = () => stream.events.filter((e) => e.event === 'drop').map((e) => JSON.parse(e.data));
    await stream.until(() => dropEvents().reduce((n, d) => n + d.count, 0) >= 5, 10_000);
    const events = dropEvents();
    expect(events.length).toBeLessThanOrEqual(5);
    const byReason: Record<string, number> = {};
    for (const e of events) {
      expect(e.instrumentId).toBe(id);
      for (const [reason, n] of Object.entries(e.byReason as Record<string, number>)) {
        byReason[reason] = (byReason[reason] ?? 0) + n;
      }
    }
    expect(byReason).toEqual({ invalid_schema: 1, malformed_json: 1, bad_timestamp: 3 });
    expect(events.at(-1)).toMatchObject({
      lastReason: 'bad_timestamp',
      lastDetail: expect.stringContaining('seconds'),
    });
  });

  it('a wrong topic never reaches Labwire: the broker refuses it to the instrument (MQTT 5 reason code 135)', async () => {
    const { id, client } = await newInstrument();
    const other = await newInstrument();
    const refused = async (topic: string) => {
      try {
        await client.publishAsync(topic, JSON.stringify({ values: { ph: 7 } }), { qos: 1 });
        return 'accepted';
      } catch (err) {
        return (err as { code?: number }).code;
      }
    };
    expect(await refused(`labwire/instruments/${id}/telemetryx`)).toBe(135);
    expect(await refused(`labwire/instruments/${id}/telemetry/extra`)).toBe(135);
    expect(await refused(`labwire/instruments/${other.id}/telemetry`)).toBe(135);
    expect(await refused(`labwire/instruments/${id.toUpperCase()}/telemetry`)).toBe(135);
    // Its own topic still works; nothing was counted anywhere.
    await client.publishAsync(`labwire/instruments/${id}/telemetry`, JSON.stringify({ values: { ph: 7 } }), {
      qos: 1,
    });
    await waitFor(
      async () => (await stack.pg.query(`SELECT 1 FROM telemetry WHERE instrument_id = $1`, [id])).rowCount === 1,
      15_000,
      'the reading on the right topic stored',
    );
    expect((await dropsOf(id)).total).toBe(0);
    expect((await dropsOf(other.id)).total).toBe(0);
  });

  it('a clean stop writes the counts gathered since the last flush', async () => {
    const { id, client } = await newInstrument();
    // A flush interval longer than the test: only the shutdown can write these counts.
    stack.env.TELEMETRY_DROPS_FLUSH_MS = '600000';
    stack.api.child.kill('SIGTERM');
    await stack.api.exited;
    await stack.startApi();
    await client.publishAsync(`labwire/instruments/${id}/telemetry`, '{"values": nope}', { qos: 1 });
    await waitFor(
      async () => /reason="malformed_json"\} [1-9]/.test(await fetch(`${stack.apiUrl}/metrics`).then((r) => r.text())),
      10_000,
      'the drop counted by the bridge',
    );
    expect((await dropsOf(id)).total).toBe(0);
    stack.api.child.kill('SIGTERM');
    expect(await stack.api.exited).toBe(0);
    stack.env.TELEMETRY_DROPS_FLUSH_MS = '300';
    await stack.startApi();
    expect(await dropsOf(id)).toMatchObject({ total: 1, byReason: { malformed_json: 1 } });
  });

  it('answers 404 for an instrument of another workspace, and the route is in the OpenAPI document', async () => {
    const res = await stack.http(
      'GET',
      `/api/v1/workspaces/${workspaceId}/instruments/${randomUUIDv4()}/telemetry/drops`,
    );
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('INSTRUMENT_NOT_FOUND');
    const doc = (await fetch(`${stack.apiUrl}/openapi.json`).then((r) => r.json())) as any;
    const op = doc.paths['/api/v1/workspaces/{workspaceId}/instruments/{instrumentId}/telemetry/drops']?.get;
    expect(op?.responses['200']).toBeDefined();
  });
});

function randomUUIDv4(): string {
  return '00000000-0000-4000-8000-' + randomBytes(6).toString('hex');
}
