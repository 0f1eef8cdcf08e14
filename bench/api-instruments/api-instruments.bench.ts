import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { benchDatabase, freePort, log, seedOwner, startBenchApi, startNode } from '../support/bench-env';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const INSTRUMENTS = 2000;

async function seed(url: string, email: string, password: string): Promise<string> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const workspaceId = await seedOwner(c, email, password);
    const locs = await c.query<{ id: string }>(
      `INSERT INTO locations (workspace_id, name) SELECT $1, 'Room ' || g FROM generate_series(1, 5) g RETURNING id`,
      [workspaceId],
    );
    await c.query(
      `INSERT INTO instruments (workspace_id, location_id, name, model, manufacturer, serial_number, type, capabilities, status)
       SELECT $1, ($2::uuid[])[1 + g % 5], 'Instrument ' || lpad(g::text, 5, '0'), 'Model ' || (g % 7),
              'Maker ' || (g % 3), 'SN-' || g, 'type-' || (g % 4), jsonb_build_object('channels', g % 8), 'active'
         FROM generate_series(1, $3) g`,
      [workspaceId, locs.rows.map((r) => r.id), INSTRUMENTS],
    );
    await c.query('ANALYZE');
    return workspaceId;
  } finally {
    await c.end();
  }
}

function run(url: string, headers: Record<string, string>): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers }, (err, result) =>
      err ? reject(err) : resolve(result),
    );
  });
}

/**
 * Authenticated GET of a 50-instrument page through the real api (auth, workspace check, validation,
 * serialization) against a raw Fastify + pg server running the same query on the same database.
 */
export async function apiInstrumentsBench(): Promise<Record<string, unknown>> {
  const db = await benchDatabase();
  const email = `bench-${randomBytes(3).toString('hex')}@lab.test`;
  const password = 'bench password 123';
  const workspaceId = await seed(db.url, email, password);
  const rawPort = await freePort();
  const api = await startBenchApi(db.url);
  const raw = await startNode(
    join(__dirname, 'raw-instruments-server.js'),
    { DATABASE_URL: db.url, PORT: String(rawPort) },
    `http://127.0.0.1:${rawPort}/health`,
  );
  try {
    const auth = await api.authorization(email, password);
    const labwireUrl = `${api.url}/api/v1/workspaces/${workspaceId}/instruments?pageSize=50`;
    const rawUrl = `http://127.0.0.1:${rawPort}/workspaces/${workspaceId}/instruments?pageSize=50`;
    const check = await fetch(labwireUrl, { headers: auth });
    const body = (await check.json()) as { items: unknown[]; total: number };
    if (check.status !== 200 || body.items.length !== 50 || body.total !== INSTRUMENTS) {
      throw new Error(`labwire list answered ${check.status}: ${JSON.stringify(body).slice(0, 300)}`);
    }
    log(`warming up (${CONNECTIONS} connections)`);
    await Promise.all([
      new Promise((r) => autocannon({ url: labwireUrl, connections: 10, duration: 2, headers: auth }, r)),
      new Promise((r) => autocannon({ url: rawUrl, connections: 10, duration: 2 }, r)),
    ]);
    log(`raw Fastify + pg for ${DURATION_S}s`);
    const rawResult = await run(rawUrl, {});
    log(`Labwire api for ${DURATION_S}s`);
    const lwResult = await run(labwireUrl, auth);
    if (lwResult.non2xx || lwResult.errors) {
      throw new Error(`labwire run had ${lwResult.non2xx} non-2xx and ${lwResult.errors} errors`);
    }
    const labwireRps = lwResult.requests.average;
    const rawRps = rawResult.requests.average;
    return {
      labwire_rps: Math.round(labwireRps),
      raw_rps: Math.round(rawRps),
      ratio: Number((labwireRps / rawRps).toFixed(3)),
      p99_ms: lwResult.latency.p99,
      p50_ms: lwResult.latency.p50,
      raw_p99_ms: rawResult.latency.p99,
      connections: CONNECTIONS,
      duration_s: DURATION_S,
      page_size: 50,
      instruments: INSTRUMENTS,
      log_level: 'warn',
    };
  } finally {
    await api.stop();
    await raw.stop();
    await db.drop();
  }
}
