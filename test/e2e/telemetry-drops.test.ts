import { randomBytes } from 'node:crypto';
import { MqttClient } from 'mqtt';
import { waitFor } from '../support/built-app';
import { BuiltStack } from '../support/built-stack';
import { connectMqtt } from '../support/mqtt-test-client';
import { SseTestClient } from '../support/sse-client';

/**
 * Issue 8, item 13: dropped telemetry is visible on its instrument (counts by reason, the last
 * reason, detail and time at …/telemetry/drops, and `drop` events on its stream), through the real
 * broker and the built api and worker.
 */
describe('dropped telemetry, per instrument (built api and worker, real broker)', () => {
  let stack: BuiltStack;
  let workspaceId: string;
  const clients: MqttClient[] = [];
  const streams: SseTestClient[] = [];

  async function newInstrument(): Promise<{ id: string; secret: string; client: MqttClient }> {
    const created = await stack.http('POST', `/api/v1/workspaces/${workspaceId}/instruments`, {
      name: `Probe ${randomBytes(3).toString('hex')}`,
      serialNumber: `SN-${randomBytes(4).toString('hex')}`,
    });
    expect(created.status).toBe(201);
    const client = await connectMqtt(stack.env.MQTT_URL!, {
      username: created.body.id,
      password: created.body.mqttSecret,
      clientId: created.body.id,
    });
    clients.push(client);
    return { id: created.body.id, secret: created.body.mqttSecret, client };
  }

  const dropsOf = async (id: string) =>
    (await stack.http('GET', `/api/v1/workspaces/${workspaceId}/instruments/${id}/telemetry/drops`)).body;

  beforeAll(async () => {
    stack = await BuiltStack.start({ ownBroker: true, env: { TELEMETRY_DROPS_FLUSH_MS: '300' } });
    workspaceId = (await stack.http('POST', '/api/v1/workspaces', { name: 'Drops' })).body.id;
  });

  afterAll(async () => {
    for (const s of streams) s.close();
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
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
    await client.publishAsync(topic, JSON.stringify({ ts: 1733318400, values: { ph: 7 } }), { qos: 1 });

    await waitFor(async () => (await dropsOf(id)).total === 3, 15_000, 'three drops counted on the instrument');
    const drops = await dropsOf(id);
    expect(drops).toMatchObject({
      total: 3,
      byReason: { invalid_schema: 1, malformed_json: 1, bad_timestamp: 1 },
      lastReason: 'bad_timestamp',
      lastDetail: 'ts 1733318400 looks like seconds; ts is epoch milliseconds (or ISO-8601 with a zone)',
    });
    expect(Date.parse(drops.lastAt)).toBeGreaterThanOrEqual(before - 1000);
    await waitFor(
      async () => (await stack.pg.query(`SELECT 1 FROM telemetry WHERE instrument_id = $1`, [id])).rowCount === 1,
      15_000,
      'the valid reading stored',
    );

    // The stream heard of them in one event (one per flush interval, not one per message).
    const event = await stream.next((e) => e.event === 'drop', 10_000);
    expect(JSON.parse(event.data)).toMatchObject({
      instrumentId: id,
      count: 3,
      byReason: { invalid_schema: 1, malformed_json: 1, bad_timestamp: 1 },
      lastReason: 'bad_timestamp',
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
