import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { hash } from '@node-rs/argon2';
import { ARGON2_OPTIONS } from '@labwire/domain';
import { benchDatabase, log, startBenchApi } from '../support/bench-env';
import { percentile, timeEach } from '../support/latency';

const INSTRUMENTS = Number(process.env.BENCH_INSTRUMENTS ?? 200);
const METRICS = ['temperature', 'pressure', 'humidity', 'flow', 'ph'];
const DAYS = 7;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);

/** The aggregate the api runs for `…/telemetry/aggregate?bucket=1h&fn=avg,min,max` over whole hours (UTC). */
const BUCKET_SQL = `SELECT date_bin('1 hours'::interval, bucket AT TIME ZONE 'UTC', TIMESTAMP '2000-01-01') AT TIME ZONE 'UTC' AS bucket,
  metric, sum(sum) / sum(count) AS "avg", min(min) AS "min", max(max) AS "max" FROM telemetry_hourly
  WHERE instrument_id = $1 AND bucket >= $2 AND bucket < $3 GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 10001`;
const LATEST_SQL = `SELECT metric, "time", value, tags FROM telemetry_latest WHERE instrument_id = $1 ORDER BY metric`;

/** Which branch the telemetry migration took on this server: native daily partitions or a hypertable. */
async function storageMode(c: Client): Promise<'native' | 'timescaledb'> {
  const r = await c.query<{ native: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'telemetry'::regclass) AS native`,
  );
  return r.rows[0].native ? 'native' : 'timescaledb';
}

/** One reading per minute per metric per instrument for a week: INSTRUMENTS × 5 × 10,080 rows. */
async function seed(c: Client, email: string, password: string) {
  const user = await c.query<{ id: string }>(
    `INSERT INTO users (email, full_name, role, status, password_hash) VALUES ($1, 'Bench', 'user', 'active', $2) RETURNING id`,
    [email, await hash(password, ARGON2_OPTIONS)],
  );
  const ws = await c.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('Bench lab') RETURNING id`);
  const workspaceId = ws.rows[0].id;
  await c.query(`INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ($1, $2, 'viewer')`, [
    workspaceId,
    user.rows[0].id,
  ]);
  const inst = await c.query<{ id: string }>(
    `INSERT INTO instruments (workspace_id, name, serial_number)
     SELECT $1, 'Sensor ' || g, 'S-' || g FROM generate_series(1, $2) g RETURNING id`,
    [workspaceId, INSTRUMENTS],
  );
  const ids = inst.rows.map((r) => r.id);
  // hour-aligned, so 7 days are exactly 168 one-hour buckets
  const end = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  const start = new Date(end.getTime() - DAYS * 86_400_000);
  // Plain PostgreSQL needs the days' partitions made first; a TimescaleDB hypertable makes its chunks itself.
  const storage = await storageMode(c);
  if (storage === 'native') {
    await c.query(`SELECT labwire_telemetry_ensure_partitions($1::date, $2::date)`, [
      start.toISOString().slice(0, 10),
      end.toISOString().slice(0, 10),
    ]);
  }
  for (let d = 0; d < DAYS; d++) {
    const from = new Date(start.getTime() + d * 86_400_000);
    const to = new Date(from.getTime() + 86_400_000);
    const began = Date.now();
    await c.query(
      `INSERT INTO telemetry ("time", instrument_id, metric, value)
       SELECT t, i, m, 20 + 5 * sin(extract(epoch FROM t) / 3600) + random()
         FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 minute', interval '1 minute') t,
              unnest($3::uuid[]) i, unnest($4::text[]) m`,
      [from, to, ids, METRICS],
    );
    log(`seeded day ${d + 1}/${DAYS} in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  }
  await c.query(
    `INSERT INTO telemetry_latest (instrument_id, metric, "time", value)
     SELECT i, m, $1::timestamptz - interval '1 minute', 21 FROM unnest($2::uuid[]) i, unnest($3::text[]) m`,
    [end, ids, METRICS],
  );
  // The writer keeps hourly rollups as it stores batches; rows loaded in bulk get theirs rebuilt.
  log('hourly rollups');
  await c.query(`SELECT labwire_telemetry_rebuild_hourly($1, $2)`, [start, end]);
  log('analyze');
  await c.query('ANALYZE telemetry');
  await c.query('ANALYZE telemetry_latest');
  await c.query('ANALYZE telemetry_hourly');
  const rows = Number((await c.query(`SELECT count(*) AS n FROM telemetry`)).rows[0].n);
  return { workspaceId, ids, start, end, rows, storage };
}

/**
 * 1-hour buckets over 7 days for one instrument (5 metrics, avg/min/max) and its latest values,
 * through the api over HTTP, with the same SQL run directly on the database as the baseline.
 */
export async function telemetryQueryBench(): Promise<Record<string, unknown>> {
  const db = await benchDatabase();
  const c = new Client({ connectionString: db.url });
  await c.connect();
  const email = `bench-${randomBytes(3).toString('hex')}@lab.test`;
  const password = 'bench password 123';
  const seeded = Date.now();
  const { workspaceId, ids, start, end, rows, storage } = await seed(c, email, password);
  const seedSeconds = (Date.now() - seeded) / 1000;
  const api = await startBenchApi(db.url);
  try {
    const headers = await api.authorization(email, password);
    const base = (id: string) => `${api.url}/api/v1/workspaces/${workspaceId}/instruments/${id}/telemetry`;
    const range = `from=${start.toISOString()}&to=${end.toISOString()}`;
    const pick = (i: number) => ids[(i * 7919) % ids.length];

    const check = await fetch(`${base(ids[0])}/aggregate?bucket=1h&fn=avg,min,max&${range}`, { headers });
    const body = (await check.json()) as { items: unknown[]; truncated: boolean };
    if (check.status !== 200 || body.items.length !== DAYS * 24 * METRICS.length || body.truncated) {
      throw new Error(`aggregate answered ${check.status} with ${body.items?.length} items`);
    }
    log(`${SAMPLES} bucket and latest queries through the api, then the same SQL directly`);
    const bucket = await timeEach(SAMPLES, async (i) => {
      const res = await fetch(`${base(pick(i))}/aggregate?bucket=1h&fn=avg,min,max&${range}`, { headers });
      await res.arrayBuffer();
    });
    const latest = await timeEach(SAMPLES, async (i) => {
      const res = await fetch(`${base(pick(i))}/latest`, { headers });
      await res.arrayBuffer();
    });
    const rawBucket = await timeEach(SAMPLES, async (i) => {
      await c.query(BUCKET_SQL, [pick(i), start, end]);
    });
    const rawLatest = await timeEach(SAMPLES, async (i) => {
      await c.query(LATEST_SQL, [pick(i)]);
    });
    return {
      storage,
      rows,
      bucket_p95_ms: percentile(bucket, 95),
      latest_p95_ms: percentile(latest, 95),
      bucket_p50_ms: percentile(bucket, 50),
      latest_p50_ms: percentile(latest, 50),
      raw_bucket_p95_ms: percentile(rawBucket, 95),
      raw_latest_p95_ms: percentile(rawLatest, 95),
      instruments: INSTRUMENTS,
      metrics_per_instrument: METRICS.length,
      readings_per_bucket_query: DAYS * 1440 * METRICS.length,
      samples: SAMPLES,
      seed_s: Number(seedSeconds.toFixed(1)),
    };
  } finally {
    await api.stop();
    await c.end();
    await db.drop();
  }
}
