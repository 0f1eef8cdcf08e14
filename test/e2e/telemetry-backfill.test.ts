import { Client } from 'pg';
import { waitFor } from '../support/built-app';
import { seedUser } from '../support/seed-user';
import { deleteRedisKeys, freePort, spawnBuilt, SpawnedApp, waitForHttp } from '../support/spawn-app';
import { testEnv } from '../support/test-app';
import { createTestDatabase } from '../support/test-db';

const POINTS = 100_000;

/**
 * A large backfill through the built api and worker, with the worker killed (SIGKILL) while the job
 * is writing: BullMQ hands the job to the restarted worker, which runs it again from the start, and
 * every reading ends up stored exactly once.
 */
describe('telemetry backfill, end to end (built api and worker)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: NodeJS.ProcessEnv;
  let api: SpawnedApp;
  let worker: SpawnedApp;
  let apiUrl: string;
  let workerUrl: string;
  let pg: Client;
  let token: string;

  const startWorker = async () => {
    worker = spawnBuilt('apps/worker/main.js', env);
    await waitForHttp(`${workerUrl}/health/ready`, worker, 30_000);
  };
  const http = async (method: string, path: string, body?: string, type = 'application/json') => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': type } : {}) },
      body,
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    env = testEnv(db.url, { API_PORT: String(apiPort), API_HOST: '127.0.0.1', WORKER_PORT: String(workerPort) });
    apiUrl = `http://127.0.0.1:${apiPort}`;
    workerUrl = `http://127.0.0.1:${workerPort}`;
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    await seedUser(db.url, 'backfill@example.com', 'a-long-password-1');
    api = spawnBuilt('apps/api/main.js', env);
    await Promise.all([waitForHttp(`${apiUrl}/health/ready`, api, 30_000), startWorker()]);
    const login = await fetch(`${apiUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'backfill@example.com', password: 'a-long-password-1' }),
    });
    token = ((await login.json()) as { accessToken: string }).accessToken;
  });
  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await pg?.end();
    await db?.drop();
    if (env?.REDIS_KEY_PREFIX) await deleteRedisKeys(env.REDIS_KEY_PREFIX);
  });

  it('stores every reading exactly once when the worker is killed in the middle of the job', async () => {
    const workspaceId = (await http('POST', '/api/v1/workspaces', JSON.stringify({ name: 'Backfill' }))).body.id;
    const instrument = await http(
      'POST',
      `/api/v1/workspaces/${workspaceId}/instruments`,
      JSON.stringify({ name: 'Logger', serialNumber: 'LG-1' }),
    );
    expect(instrument.status).toBe(201);
    const t0 = Date.now() - 2 * 86_400_000;
    const lines = Array.from({ length: POINTS }, (_, i) => `${t0 + i * 1000},level,${i}`);
    const created = await http(
      'POST',
      `/api/v1/workspaces/${workspaceId}/instruments/${instrument.body.id}/telemetry`,
      `time,metric,value\n${lines.join('\n')}\n`,
      'text/csv',
    );
    expect(created.status).toBe(202);
    const location = created.headers.get('location') as string;

    // Kill the worker once the job has written some chunks but not all of them.
    let seen: any;
    await waitFor(
      async () => {
        seen = (await http('GET', location)).body;
        return seen.status === 'running' && seen.counts.inserted > 0;
      },
      20_000,
      'the backfill to be under way',
    );
    worker.child.kill('SIGKILL');
    await worker.exited;
    const stored = async () =>
      Number(
        (await pg.query(`SELECT count(*) AS n FROM telemetry WHERE instrument_id = $1`, [instrument.body.id])).rows[0]
          .n,
      );
    const partial = await stored();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(POINTS);

    // BullMQ finds the job's lock expired and hands it to the new worker: a second attempt.
    await startWorker();
    let job: any;
    await waitFor(
      async () => {
        job = (await http('GET', location)).body;
        return job.status === 'succeeded';
      },
      45_000,
      'the backfill to finish after the restart',
    );
    expect(job.attempts).toBe(2);
    expect(job.counts).toMatchObject({ total: POINTS, processed: POINTS, succeeded: POINTS, failed: 0 });
    expect(job.result.inserted + job.result.duplicates).toBe(POINTS);
    // At least what was stored when the worker died: a statement already sent may still commit after
    // the kill (batches are autocommit statements), and then counts as a duplicate on the retry.
    expect(job.result.duplicates).toBeGreaterThanOrEqual(partial);
    expect(await stored()).toBe(POINTS);
    const { rows } = await pg.query(
      `SELECT count(DISTINCT "time") AS times, min(value) AS lo, max(value) AS hi FROM telemetry WHERE instrument_id = $1`,
      [instrument.body.id],
    );
    expect(rows[0]).toEqual({ times: String(POINTS), lo: 0, hi: POINTS - 1 });
  });
});
