import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import mqtt, { MqttClient } from 'mqtt';
import { Pool } from 'pg';
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
 * Alerts, two figures:
 * 1. Telemetry end to end (instruments → Mosquitto → api bridge → queue → worker → PostgreSQL) with
 *    1,000 active threshold rules over the bench's instruments and metrics (50 of them fire during the
 *    run, half with `for`), against the same stack without rules in the same run (before the rules and
 *    after disabling them, averaged, so table growth favours neither side). Target: ratio ≥ 0.9.
 * 2. Trigger throughput over REST (`POST …/alerts/{key}/trigger`, concurrent clients re-triggering a
 *    few keys), against a raw baseline: the same upsert shape (one open row per key) over a plain pg
 *    pool with the same concurrency.
 */
const INSTRUMENTS = Number(process.env.BENCH_INSTRUMENTS ?? 20);
const METRICS = 10;
const READINGS = Number(process.env.BENCH_ALERT_READINGS ?? 200_000);
const RULES = Number(process.env.BENCH_RULES ?? 1000);
const WINDOW = 200;
const BATCH = 5000;
const WORKER_CONCURRENCY = 4;
const TRIGGERS = Number(process.env.BENCH_TRIGGERS ?? 3000);
const TRIGGER_CONCURRENCY = 16;
const TRIGGER_KEYS = 50;

const metricNames = Array.from({ length: METRICS }, (_, m) => `m${m}`);

interface Instrument {
  id: string;
  client: MqttClient;
}

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

/** Publishes `perInstrument` messages per instrument (values = message number), and waits until all are stored. */
async function phase(instruments: Instrument[], workerUrl: string, perInstrument: number, start: number) {
  const before = await stored(workerUrl);
  const total = perInstrument * instruments.length * METRICS;
  const t0 = performance.now();
  const publishing = Promise.all(
    instruments.map(async ({ id, client }) => {
      const topic = `labwire/instruments/${id}/telemetry`;
      let next = 0;
      const lane = async () => {
        while (next < perInstrument) {
          const seq = next++;
          const values: Record<string, number> = {};
          for (let m = 0; m < METRICS; m++) values[metricNames[m]] = seq + m / 100;
          await client.publishAsync(topic, JSON.stringify({ ts: start + seq * 10, values }), { qos: 1 });
        }
      };
      await Promise.all(Array.from({ length: WINDOW }, lane));
    }),
  );
  let seen = 0;
  let lastProgress = performance.now();
  while (seen < total) {
    await new Promise((r) => setTimeout(r, 25));
    const now = (await stored(workerUrl)) - before;
    if (now > seen) lastProgress = performance.now();
    seen = now;
    if (performance.now() - lastProgress > 15_000) break;
  }
  await publishing;
  return { rate: seen / ((performance.now() - t0) / 1000), lost: total - seen };
}

/** Runs `count` calls on `concurrency` lanes; per-call latencies and the rate. */
async function lanes(count: number, concurrency: number, call: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const s = performance.now();
        await call(i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  return { rate: count / ((performance.now() - t0) / 1000), latencies };
}

export async function alertsBench(): Promise<Record<string, unknown>> {
  const db = await benchDatabase();
  const email = `bench-${randomBytes(3).toString('hex')}@lab.test`;
  const password = 'bench password 123';
  const workspaceId = await withClient(db.url, (c) => seedOwner(c, email, password));
  const api = await startBenchApi(db.url, {
    TELEMETRY_BATCH_SIZE: String(BATCH),
    TELEMETRY_LINGER_MS: '20',
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
  const pool = new Pool({ connectionString: db.url, max: TRIGGER_CONCURRENCY });
  try {
    const headers = { ...(await api.authorization(email, password)), 'content-type': 'application/json' };
    const post = async (path: string, body: unknown) => {
      const send = () =>
        fetch(`${api.url}/api/v1/workspaces/${workspaceId}${path}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
        });
      // a kept-alive socket the server closed under load: once more on a new one
      const res = await send().catch(() => send());
      if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<{ id: string; mqttSecret: string }>;
    };
    for (let i = 0; i < INSTRUMENTS; i++) {
      const body = await post('/instruments', { name: `Sim ${i}`, serialNumber: `SIM-${i}` });
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
    const perInstrument = Math.ceil(READINGS / METRICS / INSTRUMENTS);
    const total = perInstrument * INSTRUMENTS * METRICS;
    let start = Date.now() - 50 * 60_000;
    const run = async (label: string) => {
      const r = await phase(instruments, workerUrl, perInstrument, start);
      start += perInstrument * 10 + 1000;
      log(`alerts: ${label}: ${Math.round(r.rate)} readings/s, lost ${r.lost}`);
      return r;
    };

    log(`alerts: warm-up, then ${total} readings per phase from ${INSTRUMENTS} instruments`);
    await phase(instruments, workerUrl, Math.ceil(perInstrument / 5), start - 10 * 60_000);
    const without1 = await run('without rules');

    // 1,000 rules: every instrument metric gets five; one in twenty has a threshold the phase's values
    // (rising message numbers) cross, so 50 rules fire once during it, the others hold still.
    log(`alerts: creating ${RULES} rules`);
    await lanes(RULES, 8, async (i) => {
      await post('/alert-rules', {
        name: `Rule ${i}`,
        scope: { instrumentId: instruments[i % INSTRUMENTS].id },
        metric: metricNames[Math.floor(i / INSTRUMENTS) % METRICS],
        condition: 'above',
        threshold: i % 20 === 0 ? Math.floor(perInstrument / 2) : perInstrument * 100,
        forSeconds: i % 2 ? 0 : 1,
        alertKey: `rule-${i % 100}`,
      });
    });
    const ruleIds = (await pool.query<{ id: string }>(`SELECT id FROM alert_rules ORDER BY id`)).rows.map((r) => r.id);
    const withRules = await run(`with ${RULES} rules`);
    // Alerts are raised by alert-rules.perform jobs a moment later; the rules' states say what fired.
    const rulesFired = Number(
      (await pool.query(`SELECT count(*) AS n FROM alert_rule_states WHERE firing_since IS NOT NULL`)).rows[0].n,
    );
    log('alerts: disabling the rules');
    await lanes(ruleIds.length, 8, async (i) => {
      const send = () =>
        fetch(`${api.url}/api/v1/workspaces/${workspaceId}/alert-rules/${ruleIds[i]}`, {
          method: 'PATCH',
          headers,
          body: JSON.stringify({ enabled: false }),
        });
      const res = await send().catch(() => send());
      if (res.status !== 200) throw new Error(`disable rule: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    });
    const without2 = await run('without rules (again, rules disabled)');
    const withoutRate = (without1.rate + without2.rate) / 2;

    // 2. Trigger throughput over REST, and the raw upsert baseline.
    log(`alerts: ${TRIGGERS} REST triggers on ${TRIGGER_CONCURRENCY} lanes`);
    const rest = await lanes(TRIGGERS, TRIGGER_CONCURRENCY, async (i) => {
      const res = await fetch(`${api.url}/api/v1/workspaces/${workspaceId}/alerts/bench-${i % TRIGGER_KEYS}/trigger`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ note: `trigger ${i}` }),
      });
      if (res.status >= 300) throw new Error(`trigger: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    });
    await pool.query(
      `CREATE TABLE bench_raw_alerts (key text NOT NULL, state text NOT NULL DEFAULT 'active',
         trigger_count int NOT NULL DEFAULT 1, note text, last_triggered_at timestamptz NOT NULL DEFAULT now())`,
    );
    await pool.query(`CREATE UNIQUE INDEX ON bench_raw_alerts (key) WHERE state <> 'resolved'`);
    const raw = await lanes(TRIGGERS, TRIGGER_CONCURRENCY, async (i) => {
      await pool.query(
        `INSERT INTO bench_raw_alerts (key, note) VALUES ($1, $2)
         ON CONFLICT (key) WHERE state <> 'resolved'
         DO UPDATE SET trigger_count = bench_raw_alerts.trigger_count + 1, note = EXCLUDED.note, last_triggered_at = now()`,
        [`bench-${i % TRIGGER_KEYS}`, `trigger ${i}`],
      );
    });
    const triggerCounts = await pool.query(
      `SELECT count(*)::int AS open, sum(trigger_count)::int AS triggers FROM alerts
        WHERE key LIKE 'bench-%' AND state <> 'resolved'`,
    );

    return {
      telemetry: {
        readings_per_phase: total,
        rules: ruleIds.length,
        without_rules_readings_per_s: Math.round(withoutRate),
        with_rules_readings_per_s: Math.round(withRules.rate),
        ratio: Number((withRules.rate / withoutRate).toFixed(3)),
        rules_fired: rulesFired,
        without_rules_before_after: [Math.round(without1.rate), Math.round(without2.rate)],
        lost: without1.lost + withRules.lost + without2.lost,
      },
      rest_trigger: {
        triggers: TRIGGERS,
        concurrency: TRIGGER_CONCURRENCY,
        keys: TRIGGER_KEYS,
        triggers_per_s: Math.round(rest.rate),
        p50_ms: Number(percentile(rest.latencies, 50).toFixed(1)),
        p99_ms: Number(percentile(rest.latencies, 99).toFixed(1)),
        raw_upserts_per_s: Math.round(raw.rate),
        ratio: Number((rest.rate / raw.rate).toFixed(3)),
        open_alerts: triggerCounts.rows[0].open,
        trigger_count_total: triggerCounts.rows[0].triggers,
      },
    };
  } finally {
    for (const i of instruments) await i.client.endAsync(true).catch(() => undefined);
    await pool.end();
    await worker.stop();
    await api.stop();
    await db.drop();
  }
}
