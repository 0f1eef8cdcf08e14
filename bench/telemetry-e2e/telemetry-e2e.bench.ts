import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import Redis from 'ioredis';
import mqtt, { MqttClient } from 'mqtt';
import { Client, Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { loadConfig } from '@labwire/core';
import { createDomainDataSource, TelemetryReading, TelemetryRepository } from '@labwire/domain';
import {
  benchDatabase,
  DIST,
  freePort,
  log,
  seedOwner,
  startBenchApi,
  startNode,
  withClient,
} from '../support/bench-env';
import { percentile } from '../support/latency';

/*
 * Telemetry end to end: simulated instruments publish through Mosquitto at QoS 1 with their own
 * credentials → api bridge → Redis/BullMQ → worker → PostgreSQL. Compared in the same run, on the
 * same table with the same batch size and concurrency as the worker, with: a raw writer (a plain pg
 * pool running the worker's insert statement alone), the worker's full storage statements called
 * directly (insert with hourly rollups, latest values, last seen: storage cost without MQTT, bridge
 * and queue), and a raw COPY.
 */
const INSTRUMENTS = Number(process.env.BENCH_INSTRUMENTS ?? 20);
const METRICS_PER_MESSAGE = 10;
const READINGS = Number(process.env.BENCH_READINGS ?? 600_000);
const WINDOW = 200; // QoS 1 publishes in flight per instrument
const BATCH = Number(process.env.BENCH_BATCH ?? 5000); // TELEMETRY_BATCH_SIZE, and the baselines' batch
const LINGER_MS = 20;
const WORKER_CONCURRENCY = 4;
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 8);

interface Instrument {
  id: string;
  client: MqttClient;
}

const metricNames = Array.from({ length: METRICS_PER_MESSAGE }, (_, m) => `m${m}`);

function message(ts: number, seq: number, metrics = metricNames): string {
  const values: Record<string, number> = {};
  for (let m = 0; m < metrics.length; m++) values[metrics[m]] = seq + m / 100;
  return JSON.stringify({ ts, values });
}

/** Reads one counter of the worker's /metrics. */
async function stored(workerUrl: string): Promise<number> {
  const text = await (await fetch(`${workerUrl}/metrics`)).text();
  let total = 0;
  for (const outcome of ['inserted', 'duplicate']) {
    const m = new RegExp(
      `^labwire_telemetry_readings_stored_total\\{source="mqtt",outcome="${outcome}"\\} (\\d+)`,
      'm',
    ).exec(text);
    total += Number(m?.[1] ?? 0);
  }
  return total;
}

/** Publishes `perInstrument` messages from every instrument, WINDOW in flight each; resolves when all are acknowledged. */
async function publishAll(instruments: Instrument[], perInstrument: number, start: number): Promise<void> {
  await Promise.all(
    instruments.map(async ({ id, client }) => {
      const topic = `labwire/instruments/${id}/telemetry`;
      let next = 0;
      const lane = async () => {
        while (next < perInstrument) {
          const seq = next++;
          await client.publishAsync(topic, message(start + seq, seq), { qos: 1 });
        }
      };
      await Promise.all(Array.from({ length: WINDOW }, lane));
    }),
  );
}

/** The readings the baselines write: same shape as the simulated instruments' (10 metrics per time). */
function baselineBatch(b: number, rows: number, start: number, instrument: string[]): TelemetryReading[] {
  const batch: TelemetryReading[] = [];
  for (let i = b * BATCH; i < Math.min(rows, (b + 1) * BATCH); i++) {
    const msg = Math.floor(i / METRICS_PER_MESSAGE);
    batch.push({
      time: new Date(start + Math.floor(msg / INSTRUMENTS)),
      instrumentId: instrument[msg % INSTRUMENTS],
      metric: metricNames[i % METRICS_PER_MESSAGE],
      value: i,
      tags: null,
    });
  }
  return batch;
}

/** Writes `rows` readings in batches of BATCH on WORKER_CONCURRENCY lanes; readings per second. */
async function baselineWriter(rows: number, write: (batch: TelemetryReading[]) => Promise<unknown>): Promise<number> {
  const batches = Math.ceil(rows / BATCH);
  const start = Date.now() - 20 * 60_000 + Math.floor(Math.random() * 60_000);
  const instrument = Array.from({ length: INSTRUMENTS }, () => randomUUID());
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    for (let b = next++; b < batches; b = next++) await write(baselineBatch(b, rows, start, instrument));
  };
  await Promise.all(Array.from({ length: WORKER_CONCURRENCY }, lane));
  return rows / ((performance.now() - t0) / 1000);
}

/** The raw writer: a plain pg pool running the insert statement (UNNEST, ON CONFLICT DO NOTHING) alone. */
function plainInsert(pool: Pool): (batch: TelemetryReading[]) => Promise<unknown> {
  return (batch) =>
    pool.query(
      `INSERT INTO telemetry ("time", instrument_id, metric, value, tags)
       SELECT * FROM unnest($1::timestamptz[], $2::uuid[], $3::text[], $4::float8[], $5::jsonb[])
       ON CONFLICT DO NOTHING`,
      [
        batch.map((r) => r.time.toISOString()),
        batch.map((r) => r.instrumentId),
        batch.map((r) => r.metric),
        batch.map((r) => r.value),
        batch.map(() => null),
      ],
    );
}

async function rawCopy(url: string, rows: number, start: number): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const instrument = Array.from({ length: INSTRUMENTS }, () => randomUUID());
    function* lines() {
      let chunk = '';
      for (let i = 0; i < rows; i++) {
        const msg = Math.floor(i / METRICS_PER_MESSAGE);
        chunk += `${new Date(start + Math.floor(msg / INSTRUMENTS)).toISOString()}\t${instrument[msg % INSTRUMENTS]}\t${
          metricNames[i % METRICS_PER_MESSAGE]
        }\t${i}\t\\N\n`;
        if (chunk.length > 64 * 1024) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    }
    const t0 = performance.now();
    await pipeline(
      Readable.from(lines()),
      client.query(copyFrom(`COPY telemetry ("time", instrument_id, metric, value, tags) FROM STDIN`)),
    );
    return rows / ((performance.now() - t0) / 1000);
  } finally {
    await client.end();
  }
}

export async function telemetryE2eBench(): Promise<Record<string, unknown>> {
  const db = await benchDatabase();
  const email = `bench-${randomBytes(3).toString('hex')}@lab.test`;
  const password = 'bench password 123';
  const workspaceId = await withClient(db.url, (c) => seedOwner(c, email, password));
  const api = await startBenchApi(db.url, {
    TELEMETRY_BATCH_SIZE: String(BATCH),
    TELEMETRY_LINGER_MS: String(LINGER_MS),
    // Throughput: every simulated instrument publishes as fast as it can, which the limit would drop.
    MQTT_INSTRUMENT_MAX_MESSAGES_PER_S: '0',
  });
  const workerPort = await freePort();
  const workerUrl = `http://127.0.0.1:${workerPort}`;
  const worker = await startNode(
    join(DIST, 'apps/worker/main.js'),
    { ...api.env, WORKER_PORT: String(workerPort), WORKER_CONCURRENCY: `telemetry=${WORKER_CONCURRENCY}` },
    `${workerUrl}/health/ready`,
  );
  const instruments: Instrument[] = [];
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const pool = new Pool({ connectionString: db.url, max: WORKER_CONCURRENCY });
  try {
    const headers = { ...(await api.authorization(email, password)), 'content-type': 'application/json' };
    for (let i = 0; i < INSTRUMENTS; i++) {
      const res = await fetch(`${api.url}/api/v1/workspaces/${workspaceId}/instruments`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: `Sim ${i}`, serialNumber: `SIM-${i}` }),
      });
      const body = (await res.json()) as { id: string; mqttSecret: string };
      const client = await mqtt.connectAsync(api.env.MQTT_URL, {
        username: body.id,
        password: body.mqttSecret,
        clientId: body.id,
        protocolVersion: 5,
        clean: false,
        properties: { sessionExpiryInterval: 600 },
      });
      instruments.push({ id: body.id, client });
    }

    // 1. Sustained rate: everything published as fast as the broker takes it, until the last row is committed.
    const perInstrument = Math.ceil(READINGS / METRICS_PER_MESSAGE / INSTRUMENTS);
    const total = perInstrument * INSTRUMENTS * METRICS_PER_MESSAGE;
    const start = Date.now() - 30 * 60_000;
    log(`e2e: ${total} readings from ${INSTRUMENTS} instruments (${METRICS_PER_MESSAGE} per message)`);
    const t0 = performance.now();
    const publishing = publishAll(instruments, perInstrument, start).then(() =>
      log(`e2e: all published and acknowledged by the broker after ${((performance.now() - t0) / 1000).toFixed(1)} s`),
    );
    let seen = 0;
    let lastProgress = performance.now();
    while (seen < total) {
      await new Promise((r) => setTimeout(r, 25));
      const now = await stored(workerUrl);
      if (now > seen) lastProgress = performance.now();
      seen = now;
      if (performance.now() - lastProgress > 15_000) break; // stalled: what is missing is reported as lost
    }
    const e2eSeconds = (performance.now() - t0) / 1000;
    await publishing;
    const e2eRate = seen / e2eSeconds;
    const counts = await pool.query<{ n: string; keys: string }>(
      `SELECT count(*) AS n, count(DISTINCT (instrument_id, metric, "time")) AS keys
         FROM telemetry WHERE instrument_id = ANY($1::uuid[])`,
      [instruments.map((i) => i.id)],
    );
    const rowsStored = Number(counts.rows[0].n);
    const lost = total - Number(counts.rows[0].keys);
    const duplicated = rowsStored - Number(counts.rows[0].keys);
    log(`e2e: ${Math.round(e2eRate)} readings/s, lost ${lost}, duplicated ${duplicated}`);
    const workerMetrics = await (await fetch(`${workerUrl}/metrics`)).text();
    const jobSeconds = (suffix: string) =>
      Number(
        new RegExp(
          `^labwire_job_duration_seconds_${suffix}\\{queue="telemetry",name="telemetry.store-batch",status="completed"\\} ([0-9.e+-]+)`,
          'm',
        ).exec(workerMetrics)?.[1],
      );
    log(
      `worker: ${jobSeconds('count')} batches, ${((jobSeconds('sum') / jobSeconds('count')) * 1000).toFixed(1)} ms each`,
    );

    // 2. Latency at half that rate: publish time (ts) to the worker's post-commit live update.
    const latencies: number[] = [];
    const sub = redis.duplicate();
    await sub.psubscribe(`${api.env.REDIS_KEY_PREFIX}:live:telemetry:*`);
    sub.on('pmessage', (_p: string, _c: string, raw: string) => {
      const now = Date.now();
      const update = JSON.parse(raw) as { readings: Array<{ time: string; metric: string }> };
      for (const r of update.readings) if (r.metric === 'lat') latencies.push(now - Date.parse(r.time));
    });
    const messagesPerSecond = e2eRate / 2 / METRICS_PER_MESSAGE;
    const latencyMetrics = ['lat', ...metricNames.slice(1)];
    log(`latency: ${Math.round(messagesPerSecond * METRICS_PER_MESSAGE)} readings/s for ${LATENCY_SECONDS} s`);
    const tickMs = 10;
    const perTick = messagesPerSecond / (1000 / tickMs);
    let owed = 0;
    let sent = 0;
    const pending: Array<Promise<unknown>> = [];
    const until = Date.now() + LATENCY_SECONDS * 1000;
    while (Date.now() < until) {
      owed += perTick;
      for (; owed >= 1; owed--) {
        const inst = instruments[sent++ % INSTRUMENTS];
        pending.push(
          inst.client.publishAsync(
            `labwire/instruments/${inst.id}/telemetry`,
            message(Date.now(), sent, latencyMetrics),
            {
              qos: 1,
            },
          ),
        );
      }
      await new Promise((r) => setTimeout(r, tickMs));
    }
    await Promise.all(pending);
    const deadline = Date.now() + 15_000;
    while (latencies.length < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await sub.quit();

    // 3. Baselines on the same table, same batch size: the insert statement alone, and COPY.
    log('raw writer');
    const rawWriterRate = await baselineWriter(total, plainInsert(pool));
    // The worker's own statements (insert with hourly rollups, then latest values and last seen),
    // called directly: what storage costs without MQTT, the bridge and the queue.
    log('raw writer, worker statements');
    const ds = createDomainDataSource(
      loadConfig({ DATABASE_URL: db.url, DATABASE_POOL_SIZE: String(WORKER_CONCURRENCY) }),
      'bench',
    );
    await ds.initialize();
    const repository = new TelemetryRepository(ds);
    const fullWriterRate = await baselineWriter(total, (batch) => repository.storeBatch(batch));
    await ds.destroy();
    log('raw COPY');
    const rawCopyRate = await rawCopy(db.url, total, Date.now() - 10 * 60_000);

    return {
      readings: total,
      e2e_readings_per_s: Math.round(e2eRate),
      raw_writer_readings_per_s: Math.round(rawWriterRate),
      raw_copy_readings_per_s: Math.round(rawCopyRate),
      ratio: Number((e2eRate / rawWriterRate).toFixed(3)),
      worker_statements_readings_per_s: Math.round(fullWriterRate),
      ratio_to_worker_statements: Number((e2eRate / fullWriterRate).toFixed(3)),
      latency_at_readings_per_s: Math.round(messagesPerSecond * METRICS_PER_MESSAGE),
      p50_ms: latencies.length ? percentile(latencies, 50) : null,
      p99_ms: latencies.length ? percentile(latencies, 99) : null,
      latency_samples: latencies.length,
      latency_missing: sent - latencies.length,
      lost,
      duplicated,
      linger_ms: LINGER_MS,
    };
  } finally {
    for (const i of instruments) await i.client.endAsync(true).catch(() => undefined);
    await redis.quit();
    await pool.end();
    await worker.stop();
    await api.stop();
    await db.drop();
  }
}
