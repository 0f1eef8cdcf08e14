import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { waitFor } from '../support/built-app';
import { seedUser } from '../support/seed-user';
import { deleteRedisKeys, freePort, spawnBuilt, SpawnedApp, waitForHttp } from '../support/spawn-app';
import { testEnv } from '../support/test-app';
import { createTestDatabase } from '../support/test-db';

const ROWS = 100_000;

/**
 * A 100,000-row CSV uploaded to the built api and ingested by the built worker, which is killed
 * (SIGKILL) while it writes records: BullMQ hands the job to the restarted worker, which resumes after
 * the last batch committed, and the data source ends with exactly one record per row.
 */
describe('ingestion, end to end (built api and worker)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: NodeJS.ProcessEnv;
  let api: SpawnedApp;
  let worker: SpawnedApp;
  let apiUrl: string;
  let workerUrl: string;
  let pg: Client;
  let token: string;
  let storageDir: string;

  const startWorker = async () => {
    worker = spawnBuilt('apps/worker/main.js', env);
    await waitForHttp(`${workerUrl}/health/ready`, worker, 30_000);
  };
  const http = async (method: string, path: string, body?: RequestInit['body'], type?: string) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(type ? { 'content-type': type } : {}) },
      body,
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-e2e-storage-'));
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    env = testEnv(db.url, {
      API_PORT: String(apiPort),
      API_HOST: '127.0.0.1',
      WORKER_PORT: String(workerPort),
      STORAGE_URL: `file://${storageDir}`,
      INGEST_BATCH_SIZE: '1000',
    });
    apiUrl = `http://127.0.0.1:${apiPort}`;
    workerUrl = `http://127.0.0.1:${workerPort}`;
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    await seedUser(db.url, 'ingest@example.com', 'a-long-password-1');
    api = spawnBuilt('apps/api/main.js', env);
    await Promise.all([waitForHttp(`${apiUrl}/health/ready`, api, 30_000), startWorker()]);
    const login = await fetch(`${apiUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ingest@example.com', password: 'a-long-password-1' }),
    });
    token = ((await login.json()) as { accessToken: string }).accessToken;
  });
  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await pg?.end();
    await db?.drop();
    if (env?.REDIS_KEY_PREFIX) await deleteRedisKeys(env.REDIS_KEY_PREFIX);
    if (storageDir) rmSync(storageDir, { recursive: true, force: true });
  });

  it('stores exactly one record per row when the worker is killed in the middle of the ingestion', async () => {
    const workspaceId = (
      await http('POST', '/api/v1/workspaces', JSON.stringify({ name: 'Ingest' }), 'application/json')
    ).body.id;
    const rows = Array.from({ length: ROWS }, (_, i) => `${i},"sample ${i}, measured",${i % 13}`);
    const form = new FormData();
    form.append('name', 'hundred thousand rows');
    form.append('file', new Blob([`id,text,plate\n${rows.join('\n')}\n`], { type: 'text/csv' }), 'rows.csv');
    const created = await http('POST', `/api/v1/workspaces/${workspaceId}/datasources`, form);
    expect(created.status).toBe(201);
    const datasourceId = created.body.id;
    const jobPath = created.body.links.job as string;

    let seen: any;
    await waitFor(
      async () => {
        seen = (await http('GET', jobPath)).body;
        return seen.status === 'running' && seen.counts.inserted > 0;
      },
      30_000,
      'the ingestion to be under way',
    );
    worker.child.kill('SIGKILL');
    await worker.exited;
    const stored = async () =>
      Number((await pg.query(`SELECT count(*) AS n FROM records WHERE datasource_id = $1`, [datasourceId])).rows[0].n);
    const partial = await stored();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(ROWS);

    // BullMQ finds the job's lock expired and hands it to the new worker: a second attempt, resumed.
    await startWorker();
    let job: any;
    await waitFor(
      async () => {
        job = (await http('GET', jobPath)).body;
        return job.status === 'succeeded';
      },
      60_000,
      'the ingestion to finish after the restart',
    );
    expect(job.attempts).toBe(2);
    expect(job.errorCount).toBe(0);
    expect(job.counts).toMatchObject({ total: ROWS, processed: ROWS, succeeded: ROWS, failed: 0 });
    expect(job.result.records).toBe(ROWS);
    expect(job.result.inserted + job.result.existing).toBe(ROWS);
    expect(job.result.existing).toBeGreaterThanOrEqual(partial);
    const { rows: check } = await pg.query(
      `SELECT count(*)::int AS n, count(DISTINCT position)::int AS positions, min(position)::int AS first,
              max(position)::int AS last, count(DISTINCT text)::int AS texts
         FROM records WHERE datasource_id = $1`,
      [datasourceId],
    );
    // positions are line numbers: the header is line 1
    expect(check[0]).toEqual({ n: ROWS, positions: ROWS, first: 2, last: ROWS + 1, texts: ROWS });
    const datasource = await http('GET', `/api/v1/workspaces/${workspaceId}/datasources/${datasourceId}`);
    expect(datasource.body).toMatchObject({ status: 'ingested', counts: { records: ROWS, errors: 0 } });
  });
});
