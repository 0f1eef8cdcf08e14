import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { MqttClient } from 'mqtt';
import { waitFor } from '../support/built-app';
import { BuiltStack } from '../support/built-stack';
import { connectMqtt } from '../support/mqtt-test-client';
import { ROOT } from '../support/spawn-app';

/**
 * The flooding instrument, in its own process so that its publishing does not slow down the test's
 * own HTTP sampling: QoS 1 as fast as the broker takes it (200 publishes in flight), a bounded count.
 */
const FLOODER = `
const mqtt = require('mqtt');
const { FLOOD_URL, FLOOD_ID, FLOOD_SECRET, FLOOD_COUNT, FLOOD_BASE } = process.env;
(async () => {
  const c = await mqtt.connectAsync(FLOOD_URL, {
    protocolVersion: 5, username: FLOOD_ID, password: FLOOD_SECRET, clientId: FLOOD_ID, reconnectPeriod: 0,
  });
  const topic = 'labwire/instruments/' + FLOOD_ID + '/telemetry';
  const count = Number(FLOOD_COUNT);
  const base = Number(FLOOD_BASE);
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < count) {
      const i = next++;
      await c.publishAsync(topic, JSON.stringify({ ts: base + i, values: { seq: i } }), { qos: 1 });
    }
  };
  await Promise.all(Array.from({ length: 200 }, lane));
  console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000 }));
  await c.endAsync();
})().catch((err) => { console.error(err); process.exit(1); });
`;

const FLOOD_MESSAGES = 60_000;
const RATE = 50;
const BURST = 100;

/** The api's peak resident memory so far (Linux VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return Math.round(kb / 1024);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Issue 8, item 3: one instrument publishes QoS 1 as fast as it can (a bounded loop). Its messages
 * past MQTT_INSTRUMENT_MAX_MESSAGES_PER_S are acknowledged and dropped as `rate_limited`, counted on
 * that instrument; another instrument's readings published meanwhile are all stored, and the api keeps
 * answering HTTP.
 */
describe('a flooding instrument (built api and worker, real broker)', () => {
  let stack: BuiltStack;
  let workspaceId: string;

  const newInstrument = () => stack.connectNewInstrument(workspaceId);

  async function stored(instrumentId: string): Promise<number> {
    const { rows } = await stack.pg.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM telemetry WHERE instrument_id = $1`,
      [instrumentId],
    );
    return rows[0].n;
  }

  beforeAll(async () => {
    stack = await BuiltStack.start({
      ownBroker: true,
      env: {
        MQTT_INSTRUMENT_MAX_MESSAGES_PER_S: String(RATE),
        MQTT_INSTRUMENT_BURST: String(BURST),
        TELEMETRY_DROPS_FLUSH_MS: '500',
      },
    });
    workspaceId = (await stack.http('POST', '/api/v1/workspaces', { name: 'Flood' })).body.id;
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('drops the flooder past its rate (counted on it), stores the other instrument, keeps HTTP answering', async () => {
    const flooder = await newInstrument();
    await flooder.client.endAsync(); // the flooding process connects with its credentials
    const quiet = await newInstrument();
    const base = Date.now() - 3_600_000;

    // REST sampled through the flood: readiness and an instrument read, one after the other.
    const latencies: number[] = [];
    let flooding = true;
    const sampler = (async () => {
      while (flooding) {
        for (const path of ['/health/ready', `/api/v1/workspaces/${workspaceId}/instruments/${quiet.id}`]) {
          const t0 = performance.now();
          const res = path.startsWith('/health')
            ? await fetch(`${stack.apiUrl}${path}`)
            : await stack.http('GET', path);
          latencies.push(performance.now() - t0);
          expect(res.status).toBe(200);
          if (res instanceof Response) await res.arrayBuffer();
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    // The other instrument: a reading every 100 ms while the flood runs.
    const quietSent = (async () => {
      for (let i = 0; i < 20; i++) {
        await quiet.client.publishAsync(
          `labwire/instruments/${quiet.id}/telemetry`,
          JSON.stringify({ ts: base + i, values: { t: i } }),
          { qos: 1 },
        );
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const floodStartedAt = performance.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', FLOODER], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        FLOOD_URL: stack.env.MQTT_URL,
        FLOOD_ID: flooder.id,
        FLOOD_SECRET: flooder.secret,
        FLOOD_COUNT: String(FLOOD_MESSAGES),
        FLOOD_BASE: String(base),
      },
    });
    const floodSeconds = (JSON.parse(stdout) as { seconds: number }).seconds;
    await quietSent;
    flooding = false;
    await sampler;
    latencies.sort((a, b) => a - b);
    const rest = {
      samples: latencies.length,
      p50Ms: Math.round(percentile(latencies, 50)),
      p99Ms: Math.round(percentile(latencies, 99)),
    };
    console.log(
      `flood: ${FLOOD_MESSAGES} in ${floodSeconds.toFixed(1)} s, REST ${JSON.stringify(rest)}, api peak RSS ${peakRssMb(stack.api.child.pid!)} MB`,
    );

    // Every reading of the quiet instrument is stored.
    await waitFor(async () => (await stored(quiet.id)) === 20, 30_000, 'the quiet instrument’s 20 readings');

    // Every flood message is either stored or counted as rate_limited on the flooder.
    const path = `/api/v1/workspaces/${workspaceId}/instruments/${flooder.id}/telemetry/drops`;
    let drops: any;
    let floodStored = 0;
    await waitFor(
      async () => {
        drops = (await stack.http('GET', path)).body;
        floodStored = await stored(flooder.id);
        return floodStored + (drops.byReason?.rate_limited ?? 0) === FLOOD_MESSAGES;
      },
      30_000,
      'every flood message stored or counted as rate_limited',
    );
    // the api took the flood's messages until at most now (a backlog outlives the sending on a busy machine)
    const floodHandledSeconds = (performance.now() - floodStartedAt) / 1000;
    expect(drops).toMatchObject({
      instrumentId: flooder.id,
      total: FLOOD_MESSAGES - floodStored,
      lastReason: 'rate_limited',
    });
    // What passed is what the bucket allows: the burst plus the rate over the time the api took the
    // flood's messages (from the first sent to the last handled: not the sending alone, which a backlog
    // outlives on a loaded machine).
    expect(floodStored).toBeGreaterThanOrEqual(BURST);
    expect(floodStored).toBeLessThanOrEqual(BURST + Math.ceil(RATE * floodHandledSeconds));
    const quietDrops = (
      await stack.http('GET', `/api/v1/workspaces/${workspaceId}/instruments/${quiet.id}/telemetry/drops`)
    ).body;
    expect(quietDrops.total).toBe(0);

    const metrics = await fetch(`${stack.apiUrl}/metrics`).then((r) => r.text());
    const rateLimited = Number(
      /labwire_telemetry_messages_dropped_total\{reason="rate_limited"\} (\d+)/.exec(metrics)?.[1],
    );
    expect(rateLimited).toBe(FLOOD_MESSAGES - floodStored);

    const figures = {
      sent: FLOOD_MESSAGES,
      floodSeconds: Number(floodSeconds.toFixed(1)),
      stored: floodStored,
      rateLimited: FLOOD_MESSAGES - floodStored,
      rest,
      apiPeakRssMb: peakRssMb(stack.api.child.pid!),
    };
    console.log(`flood figures ${JSON.stringify(figures)}`);
    // HTTP kept answering through the flood: every sampled request answered 200 (readiness included,
    // so the api never reported itself degraded), one after the other. The latency is a figure, not
    // a bound the code controls: p99 0.3–1 s at load average 5–10, 2.2 s once in a CI run of three
    // files at a time on two cores; only a request stalled past 10 s (the api starved) fails here.
    expect(rest.samples).toBeGreaterThanOrEqual(4);
    expect(rest.p99Ms).toBeLessThan(10_000);
  });
});

/**
 * The memory bound on its own: with the rate limit off, a flood is stored in full, and the bridge
 * never holds more than TELEMETRY_BRIDGE_MAX_PENDING_READINGS readings (the broker holds the rest).
 */
describe('a flood with the rate limit off (built api and worker, real broker)', () => {
  const COUNT = 20_000;
  const CAP = 1000;
  let stack: BuiltStack;
  let client: MqttClient | undefined;

  beforeAll(async () => {
    stack = await BuiltStack.start({
      ownBroker: true,
      env: {
        MQTT_INSTRUMENT_MAX_MESSAGES_PER_S: '0',
        TELEMETRY_BRIDGE_MAX_PENDING_READINGS: String(CAP),
        TELEMETRY_BATCH_SIZE: '250',
      },
    });
  });

  afterAll(async () => {
    await client?.endAsync(true).catch(() => undefined);
    await stack?.close();
  });

  it('stores every acknowledged message while holding at most the cap', async () => {
    const workspaceId = (await stack.http('POST', '/api/v1/workspaces', { name: 'Flood, no limit' })).body.id;
    const created = await stack.http('POST', `/api/v1/workspaces/${workspaceId}/instruments`, {
      name: 'Flooder',
      serialNumber: `SN-${randomBytes(4).toString('hex')}`,
    });
    const id = created.body.id as string;
    client = await connectMqtt(stack.env.MQTT_URL!, { username: id, password: created.body.mqttSecret, clientId: id });
    const base = Date.now() - 3_600_000;
    let next = 0;
    const lane = async () => {
      while (next < COUNT) {
        const i = next++;
        await client!.publishAsync(
          `labwire/instruments/${id}/telemetry`,
          JSON.stringify({ ts: base + i, values: { seq: i } }),
          { qos: 1 },
        );
      }
    };
    await Promise.all(Array.from({ length: 200 }, lane));
    await waitFor(
      async () => {
        const { rows } = await stack.pg.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM telemetry WHERE instrument_id = $1`,
          [id],
        );
        return rows[0].n === COUNT;
      },
      120_000,
      `all ${COUNT} readings stored`,
    );
    const metrics = await fetch(`${stack.apiUrl}/metrics`).then((r) => r.text());
    const peak = Number(/^labwire_telemetry_bridge_pending_readings_peak (\d+)/m.exec(metrics)?.[1]);
    console.log(
      `no-limit flood: ${COUNT} stored, bridge peak ${peak} readings held, api peak RSS ${peakRssMb(stack.api.child.pid!)} MB`,
    );
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(CAP);
  });
});
