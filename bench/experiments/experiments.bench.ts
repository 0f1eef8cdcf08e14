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
 * Experiments at once: EXPERIMENTS experiments of STEPS steps, each on its own simulated instrument
 * (MQTT, its own credentials, replying to commands at once), started together and run by the built
 * worker. Reported: steps per second, and the step-start lag (a step's recorded start minus the
 * previous step's recorded end, both the database's clock) at p50/p99. The raw baseline runs the same
 * step plans in one plain process: the same commands over MQTT (published with Labwire's broker account,
 * replies awaited), the same waits as timers, one UPDATE per step start and end on a plain pg pool.
 */
const EXPERIMENTS = Number(process.env.BENCH_EXPERIMENTS ?? 100);
const STEPS = 20;
const WAIT_SECONDS = Number(process.env.BENCH_STEP_WAIT_SECONDS ?? 0.5);
const TARGET_LAG_P99_MS = 250;

/** 20 steps: (command, wait, mark, record) five times. */
function steps(): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < STEPS / 4; i++) {
    out.push(
      { kind: 'command', role: 'probe', command: 'measure', params: { round: i } },
      { kind: 'wait', durationSeconds: WAIT_SECONDS },
      { kind: 'mark', label: `round ${i}` },
      { kind: 'record', durationSeconds: WAIT_SECONDS },
    );
  }
  return out;
}

interface Sim {
  id: string;
  client: MqttClient;
}

/** An instrument that answers every command at once. */
async function simulate(url: string, id: string, secret: string): Promise<Sim> {
  const client = await mqtt.connectAsync(url, { username: id, password: secret, clientId: id, protocolVersion: 5 });
  client.on('message', (topic) => void client.publishAsync(`${topic}/reply`, '{"ok":true}', { qos: 1 }));
  await client.subscribeAsync(`labwire/instruments/${id}/commands/+`, { qos: 1 });
  await client.publishAsync(`labwire/instruments/${id}/status`, '{"state":"online"}', { qos: 1, retain: true });
  return { id, client };
}

function lags(rows: Array<{ startedAt: Date; endedAt: Date }[]>): number[] {
  const out: number[] = [];
  for (const list of rows) {
    for (let i = 1; i < list.length; i++) out.push(list[i].startedAt.getTime() - list[i - 1].endedAt.getTime());
  }
  return out;
}

/** The same plans without Labwire: plain timers, MQTT round trips and one UPDATE per step start and end. */
async function rawBaseline(
  pool: Pool,
  env: Record<string, string>,
  sims: Sim[],
): Promise<{ seconds: number; lags: number[] }> {
  await pool.query(
    `CREATE TABLE bench_raw_steps (run int, index int, started_at timestamptz, ended_at timestamptz, PRIMARY KEY (run, index))`,
  );
  await pool.query(
    `INSERT INTO bench_raw_steps (run, index) SELECT r, i FROM generate_series(0, $1 - 1) r, generate_series(0, $2 - 1) i`,
    [sims.length, STEPS],
  );
  const labwire = await mqtt.connectAsync(env.MQTT_URL, {
    username: env.MQTT_USERNAME,
    password: env.MQTT_PASSWORD,
    clientId: `bench-raw-${randomBytes(3).toString('hex')}`,
    protocolVersion: 5,
  });
  const waiting = new Map<string, () => void>();
  labwire.on('message', (topic) => waiting.get(topic.split('/')[4])?.());
  await labwire.subscribeAsync('labwire/instruments/+/commands/+/reply', { qos: 1 });
  const plan = steps();
  const t0 = performance.now();
  await Promise.all(
    sims.map(async (sim, run) => {
      for (let index = 0; index < plan.length; index++) {
        const step = plan[index];
        await pool.query(`UPDATE bench_raw_steps SET started_at = now() WHERE run = $1 AND index = $2`, [run, index]);
        if (step.kind === 'command') {
          const commandId = crypto.randomUUID();
          const replied = new Promise<void>((resolve) => waiting.set(commandId, resolve));
          await labwire.publishAsync(
            `labwire/instruments/${sim.id}/commands/${commandId}`,
            JSON.stringify({ name: step.command, params: step.params }),
            { qos: 1 },
          );
          await replied;
          waiting.delete(commandId);
        } else if (step.kind !== 'mark') {
          await new Promise((r) => setTimeout(r, (step.durationSeconds as number) * 1000));
        }
        await pool.query(`UPDATE bench_raw_steps SET ended_at = now() WHERE run = $1 AND index = $2`, [run, index]);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await labwire.endAsync();
  const { rows } = await pool.query<{ run: number; startedAt: Date; endedAt: Date }>(
    `SELECT run, started_at AS "startedAt", ended_at AS "endedAt" FROM bench_raw_steps ORDER BY run, index`,
  );
  const byRun = new Map<number, Array<{ startedAt: Date; endedAt: Date }>>();
  for (const r of rows) byRun.set(r.run, [...(byRun.get(r.run) ?? []), r]);
  return { seconds, lags: lags([...byRun.values()]) };
}

export async function experimentsBench(): Promise<Record<string, unknown>> {
  const db = await benchDatabase();
  const email = `bench-${randomBytes(3).toString('hex')}@lab.test`;
  const password = 'bench password 123';
  const workspaceId = await withClient(db.url, (c) => seedOwner(c, email, password));
  const api = await startBenchApi(db.url, { MQTT_INSTRUMENT_MAX_MESSAGES_PER_S: '0' });
  const workerPort = await freePort();
  const workerUrl = `http://127.0.0.1:${workerPort}`;
  const worker = await startNode(
    join(DIST, 'apps/worker/main.js'),
    {
      ...api.env,
      WORKER_PORT: String(workerPort),
      ...(process.env.BENCH_WORKER_POOL ? { DATABASE_POOL_SIZE: process.env.BENCH_WORKER_POOL } : {}),
    },
    `${workerUrl}/health/ready`,
  );
  const pool = new Pool({ connectionString: db.url, max: 10 });
  const sims: Sim[] = [];
  try {
    const headers = { ...(await api.authorization(email, password)), 'content-type': 'application/json' };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${api.url}/api/v1/workspaces/${workspaceId}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json()) as any;
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    log(`experiments: ${EXPERIMENTS} instruments`);
    for (let i = 0; i < EXPERIMENTS; i++) {
      const created = await call('POST', '/instruments', { name: `Probe ${i}`, serialNumber: `PROBE-${i}` });
      sims.push(await simulate(api.env.MQTT_URL, created.id, created.mqttSecret));
    }
    for (;;) {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM instruments WHERE connection_state = 'online'`,
      );
      if (rows[0].n >= EXPERIMENTS) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const protocol = await call('POST', '/protocols', { name: 'Bench', roles: [{ name: 'probe' }], steps: steps() });
    const ids: string[] = [];
    for (const sim of sims) {
      ids.push((await call('POST', '/experiments', { protocolId: protocol.id, assignments: { probe: sim.id } })).id);
    }
    log(`experiments: starting ${EXPERIMENTS} × ${STEPS} steps`);
    const t0 = performance.now();
    await Promise.all(ids.map((id) => call('POST', `/experiments/${id}/start`, {})));
    for (;;) {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM experiments WHERE status IN ('completed', 'failed', 'aborted')`,
      );
      if (rows[0].n >= EXPERIMENTS) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - t0) / 1000;
    const { rows: outcome } = await pool.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM experiments GROUP BY status`,
    );
    const { rows } = await pool.query<{ experimentId: string; startedAt: Date; endedAt: Date }>(
      `SELECT experiment_id AS "experimentId", started_at AS "startedAt", ended_at AS "endedAt"
         FROM experiment_steps ORDER BY experiment_id, index`,
    );
    const byExperiment = new Map<string, Array<{ startedAt: Date; endedAt: Date }>>();
    for (const r of rows) byExperiment.set(r.experimentId, [...(byExperiment.get(r.experimentId) ?? []), r]);
    const labwireLags = lags([...byExperiment.values()]);
    // where the lag is: after which kind of step (p50, p99)
    const { rows: byKind } = await pool.query<{ kind: string; p50: number; p99: number }>(
      `SELECT p.kind, percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY lag) AS p99
         FROM (SELECT s.kind, extract(epoch FROM n.started_at - s.ended_at) * 1000 AS lag
                 FROM experiment_steps s JOIN experiment_steps n ON n.experiment_id = s.experiment_id AND n.index = s.index + 1) p
        GROUP BY p.kind`,
    );
    log(
      `lag after each kind of step (ms): ${byKind.map((k) => `${k.kind} p50 ${Math.round(k.p50)} p99 ${Math.round(k.p99)}`).join('; ')}`,
    );
    const { rows: durations } = await pool.query<{ kind: string; p50: number }>(
      `SELECT kind, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ended_at - started_at) * 1000) AS p50
         FROM experiment_steps GROUP BY kind`,
    );
    log(`step durations p50 (ms): ${durations.map((k) => `${k.kind} ${Math.round(k.p50)}`).join('; ')}`);
    const { rows: sent } = await pool.query<{ n: number; keys: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT idempotency_key)::int AS keys FROM commands`,
    );
    log(`experiments: ${seconds.toFixed(1)} s, ${JSON.stringify(outcome)}, commands ${sent[0].n}`);

    log('raw baseline: the same plans in one plain process');
    const raw = await rawBaseline(pool, api.env, sims);
    const minimum = (STEPS / 4) * 2 * WAIT_SECONDS;
    return {
      experiments: EXPERIMENTS,
      stepsPerExperiment: STEPS,
      instruments: EXPERIMENTS,
      waitsPerExperimentSeconds: minimum,
      labwire: {
        seconds: Number(seconds.toFixed(2)),
        stepsPerSecond: Math.round((EXPERIMENTS * STEPS) / seconds),
        stepStartLagP50Ms: percentile(labwireLags, 50),
        stepStartLagP99Ms: percentile(labwireLags, 99),
        completed: outcome.find((o) => o.status === 'completed')?.n ?? 0,
        commands: sent[0].n,
        distinctCommands: sent[0].keys,
      },
      raw: {
        seconds: Number(raw.seconds.toFixed(2)),
        stepsPerSecond: Math.round((EXPERIMENTS * STEPS) / raw.seconds),
        stepStartLagP50Ms: percentile(raw.lags, 50),
        stepStartLagP99Ms: percentile(raw.lags, 99),
      },
      targetStepStartLagP99Ms: TARGET_LAG_P99_MS,
      meetsTarget: percentile(labwireLags, 99) <= TARGET_LAG_P99_MS,
    };
  } finally {
    await Promise.all(sims.map((s) => s.client.endAsync(true).catch(() => undefined)));
    await pool.end();
    await worker.stop();
    await api.stop();
    await db.drop();
  }
}
