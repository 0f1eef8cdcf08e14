import { MqttClient } from 'mqtt';
import { waitFor } from '../support/built-app';
import { BuiltStack } from '../support/built-stack';
import { streamReadings } from '../support/reading-stream';

/**
 * The telemetry pipeline as deployed: an instrument publishes with its own credentials through the
 * real Mosquitto, the built api bridges to Redis, the built worker stores in PostgreSQL. Processes are
 * killed with SIGKILL in the middle of a QoS 1 stream; every reading the broker acknowledged to the
 * instrument must end up stored exactly once.
 */
describe('telemetry over MQTT, end to end (built api and worker)', () => {
  let stack: BuiltStack;
  let workspaceId: string;
  const http = (...args: Parameters<BuiltStack['http']>) => stack.http(...args);

  /** A new instrument, connected with its own credentials and a persistent session. */
  /** A new instrument, connected with its own credentials and a persistent session. */
  const newInstrument = () =>
    stack.connectNewInstrument(workspaceId, { clean: false, properties: { sessionExpiryInterval: 600 } });

  async function storedCount(instrumentId: string): Promise<number> {
    const { rows } = await stack.pg.query<{ n: string }>(
      `SELECT count(*) AS n FROM telemetry WHERE instrument_id = $1`,
      [instrumentId],
    );
    return Number(rows[0].n);
  }

  /** Streams `count` readings (see streamReadings); `midway` runs once a third are acknowledged. */
  const stream = (client: MqttClient, topic: string, count: number, midway: () => Promise<void>) =>
    streamReadings(client, topic, count, (_, acknowledged) =>
      acknowledged === Math.floor(count / 3) ? midway() : undefined,
    );

  beforeAll(async () => {
    stack = await BuiltStack.start({
      ownBroker: true,
      role: 'admin',
      env: {
        LOG_LEVEL: 'info',
        TELEMETRY_BATCH_SIZE: '200',
        TELEMETRY_LINGER_MS: '20',
        // The streams below are one instrument as fast as it can go: what the per-instrument limit
        // (tested in telemetry-flood.test.ts) would drop. Here every acknowledged reading must be stored.
        MQTT_INSTRUMENT_MAX_MESSAGES_PER_S: '0',
      },
    });
    workspaceId = (await http('POST', '/api/v1/workspaces', { name: 'Bridge' })).body.id;
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('readings an instrument publishes with its credentials are queryable raw and aggregated', async () => {
    const { id, client } = await newInstrument();
    const t0 = Math.floor((Date.now() - 3 * 3600_000) / 3600_000) * 3600_000; // a whole hour, 3 hours ago
    const topic = `labwire/instruments/${id}/telemetry`;
    // Two hours of minute readings, as arrays of entries; plus one bare message (values at receive time).
    for (let batch = 0; batch < 12; batch++) {
      const entries = Array.from({ length: 10 }, (_, k) => {
        const minute = batch * 10 + k;
        return { ts: new Date(t0 + minute * 60_000).toISOString(), values: { ph: 7 + (minute % 2), temp: minute } };
      });
      await client.publishAsync(topic, JSON.stringify(entries), { qos: 1 });
    }
    await client.publishAsync(topic, JSON.stringify({ level: 3.5 }), { qos: 1 });

    await waitFor(async () => (await storedCount(id)) === 241, 20_000, '241 stored readings');
    const range = `from=${new Date(t0).toISOString()}&to=${new Date(t0 + 2 * 3600_000).toISOString()}`;
    const raw = await http(
      'GET',
      `/api/v1/workspaces/${workspaceId}/instruments/${id}/telemetry?${range}&metrics=ph&limit=500`,
    );
    expect(raw.status).toBe(200);
    expect(raw.body.items).toHaveLength(120);
    expect(raw.body.items[1]).toMatchObject({ metric: 'ph', value: 8, time: new Date(t0 + 60_000).toISOString() });

    const agg = await http(
      'GET',
      `/api/v1/workspaces/${workspaceId}/instruments/${id}/telemetry/aggregate?${range}&metrics=temp&bucket=1h&fn=avg,count,max`,
    );
    expect(agg.status).toBe(200);
    expect(agg.body.items).toEqual([
      {
        bucket: new Date(t0).toISOString(),
        instrumentId: id,
        metric: 'temp',
        values: { avg: 29.5, count: 60, max: 59 },
      },
      {
        bucket: new Date(t0 + 3600_000).toISOString(),
        instrumentId: id,
        metric: 'temp',
        values: { avg: 89.5, count: 60, max: 119 },
      },
    ]);
    const latest = await http('GET', `/api/v1/workspaces/${workspaceId}/instruments/${id}/telemetry/latest`);
    expect(latest.body.map((l: { metric: string }) => l.metric).sort()).toEqual(['level', 'ph', 'temp']);

    // The pipeline's counters: received and queued at the api, stored (and how late) at the worker.
    const series = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1]);
    const apiMetrics = await fetch(`${stack.apiUrl}/metrics`).then((r) => r.text());
    expect(series(apiMetrics, 'labwire_telemetry_readings_received_total')).toBeGreaterThanOrEqual(241);
    expect(series(apiMetrics, 'labwire_telemetry_readings_enqueued_total')).toBeGreaterThanOrEqual(241);
    const workerMetrics = await fetch(`${stack.workerUrl}/metrics`).then((r) => r.text());
    expect(
      series(workerMetrics, 'labwire_telemetry_readings_stored_total\\{source="mqtt",outcome="inserted"\\}'),
    ).toBeGreaterThanOrEqual(241);
    expect(series(workerMetrics, 'labwire_telemetry_store_lag_seconds_count\\{source="mqtt"\\}')).toBeGreaterThan(0);
  });

  it('drops malformed messages (counted by reason) while the valid ones of the same stream are stored', async () => {
    const { id, client } = await newInstrument();
    const topic = `labwire/instruments/${id}/telemetry`;
    const before = await fetch(`${stack.apiUrl}/metrics`).then((r) => r.text());
    const now = Date.now() - 60_000;
    const messages = [
      JSON.stringify({ ts: now, values: { ph: 7 } }),
      '{"ts": 1, "values": {"ph": 7',
      JSON.stringify({ ts: now + 1, values: { ph: 'seven' } }),
      JSON.stringify({ ts: 'yesterday', values: { ph: 7 } }),
      JSON.stringify({ ts: now + 2, values: { ph: 7.2 } }),
    ];
    for (const m of messages) await client.publishAsync(topic, m, { qos: 1 });
    await waitFor(async () => (await storedCount(id)) === 2, 15_000, 'the two valid readings');

    const after = await fetch(`${stack.apiUrl}/metrics`).then((r) => r.text());
    const dropped = (text: string, reason: string) =>
      Number(new RegExp(`labwire_telemetry_messages_dropped_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1]);
    // Every api of the test run hears every instrument, so other tests' drops may be counted here too:
    // the counters grow at least by ours, and the log names this instrument with each reason.
    for (const reason of ['malformed_json', 'invalid_schema', 'bad_timestamp']) {
      expect(dropped(after, reason) - dropped(before, reason)).toBeGreaterThanOrEqual(1);
      expect(stack.api.output()).toContain(`telemetry message from ${id} dropped (${reason})`);
    }
  });

  it('kill -9 of the worker mid-stream: every acknowledged reading is stored exactly once after restart', async () => {
    const { id, client } = await newInstrument();
    const count = 3000;
    const acknowledged = await stream(client, `labwire/instruments/${id}/telemetry`, count, async () => {
      stack.worker.child.kill('SIGKILL');
      await stack.worker.exited;
      await stack.startWorker();
    });
    expect(acknowledged).toBe(count);
    await waitFor(async () => (await storedCount(id)) >= count, 60_000, `${count} stored readings`);
    await new Promise((r) => setTimeout(r, 500));
    const { rows } = await stack.pg.query(
      `SELECT count(*)::int AS n, count(DISTINCT time)::int AS times, min(value)::int AS lo, max(value)::int AS hi
         FROM telemetry WHERE instrument_id = $1`,
      [id],
    );
    expect(rows[0]).toEqual({ n: count, times: count, lo: 0, hi: count - 1 });
  });

  it('kill -9 of the api mid-stream: every acknowledged reading is stored exactly once after restart', async () => {
    const { id, client } = await newInstrument();
    const count = 3000;
    const acknowledged = await stream(client, `labwire/instruments/${id}/telemetry`, count, async () => {
      stack.api.child.kill('SIGKILL');
      await stack.api.exited;
      // The broker keeps the api's session (same MQTT_CLIENT_ID): what it had not acknowledged, and
      // everything published meanwhile, waits for it.
      await new Promise((r) => setTimeout(r, 500));
      await stack.startApi();
    });
    expect(acknowledged).toBe(count);
    await waitFor(async () => (await storedCount(id)) >= count, 60_000, `${count} stored readings`);
    await new Promise((r) => setTimeout(r, 500));
    const { rows } = await stack.pg.query(
      `SELECT count(*)::int AS n, count(DISTINCT time)::int AS times FROM telemetry WHERE instrument_id = $1`,
      [id],
    );
    expect(rows[0]).toEqual({ n: count, times: count });
  });
});
