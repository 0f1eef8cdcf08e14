import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { waitFor } from '../support/built-app';
import { topicTexts } from '../support/classification-data';
import { seedUser } from '../support/seed-user';
import { deleteRedisKeys, freePort, spawnBuilt, SpawnedApp, waitForHttp } from '../support/spawn-app';
import { testEnv } from '../support/test-app';
import { createTestDatabase } from '../support/test-db';

const ROWS = 100_002; // 33,334 texts of each of the 3 topics

/**
 * A classification job over a 100,000-row data source in the built api and worker, with the worker
 * killed (SIGKILL) while it writes results: BullMQ hands the job to the restarted worker, which
 * resumes after the last page it committed, and every record ends with exactly one result.
 */
describe('classification, end to end (built api and worker)', () => {
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
  const http = async (method: string, path: string, body?: unknown) => {
    const json = body !== undefined && !(body instanceof FormData);
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) },
      body: json ? JSON.stringify(body) : (body as FormData | undefined),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-e2e-classify-'));
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    env = testEnv(db.url, {
      API_PORT: String(apiPort),
      API_HOST: '127.0.0.1',
      WORKER_PORT: String(workerPort),
      STORAGE_URL: `file://${storageDir}`,
      CLASSIFY_PAGE_SIZE: '500',
    });
    apiUrl = `http://127.0.0.1:${apiPort}`;
    workerUrl = `http://127.0.0.1:${workerPort}`;
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    await seedUser(db.url, 'classify@example.com', 'a-long-password-1');
    api = spawnBuilt('apps/api/main.js', env);
    await Promise.all([waitForHttp(`${apiUrl}/health/ready`, api, 30_000), startWorker()]);
    const login = await fetch(`${apiUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'classify@example.com', password: 'a-long-password-1' }),
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

  it('writes exactly one result per record when the worker is killed in the middle of the job', async () => {
    const workspaceId = (await http('POST', '/api/v1/workspaces', { name: 'Classify' })).body.id;
    const base = `/api/v1/workspaces/${workspaceId}`;
    const texts = topicTexts(ROWS / 3, 7);
    const form = new FormData();
    form.append(
      'file',
      new Blob([`text\n${texts.map((t) => t.text).join('\n')}\n`], { type: 'text/csv' }),
      'notes.csv',
    );
    const upload = await http('POST', `${base}/datasources`, form);
    expect(upload.status).toBe(201);
    const datasourceId = upload.body.id;
    await waitFor(
      async () => (await http('GET', upload.body.links.job)).body.status === 'succeeded',
      60_000,
      'the ingestion to finish',
    );
    const scheme = await http('POST', `${base}/classification-schemes`, {
      name: 'Topic',
      mode: 'single',
      labels: [
        { name: 'chemistry', rules: [{ type: 'keyword', pattern: 'titration', weight: 1 }] },
        { name: 'biology' },
        { name: 'maintenance', rules: [{ type: 'regex', pattern: '\\b(pump|motor)\\b', weight: 1 }] },
      ],
      examples: topicTexts(20, 8),
    });
    expect(scheme.status).toBe(201);

    const created = await http('POST', `${base}/classification-jobs`, {
      schemeId: scheme.body.id,
      datasourceIds: [datasourceId],
    });
    expect(created.status).toBe(202);
    const jobPath = created.headers.get('location') as string;
    expect(created.body.counts.total).toBe(ROWS);

    // Kill the worker once some pages are committed, well before the last.
    let seen: any;
    await waitFor(
      async () => {
        seen = (await http('GET', jobPath)).body;
        return seen.status === 'running' && seen.counts.processed >= 2000;
      },
      30_000,
      'the classification to be under way',
    );
    worker.child.kill('SIGKILL');
    await worker.exited;
    const results = async () =>
      (
        await pg.query(
          `SELECT count(*)::int AS n, count(DISTINCT record_id)::int AS records FROM classification_results WHERE scheme_id = $1`,
          [scheme.body.id],
        )
      ).rows[0] as { n: number; records: number };
    const partial = await results();
    expect(partial.n).toBeGreaterThan(0);
    expect(partial.n).toBeLessThan(ROWS);
    expect(partial.records).toBe(partial.n);

    // BullMQ finds the job's lock expired and hands it to the new worker: a second attempt, resumed.
    await startWorker();
    let job: any;
    await waitFor(
      async () => {
        job = (await http('GET', jobPath)).body;
        return job.status === 'succeeded';
      },
      60_000,
      'the classification to finish after the restart',
    );
    expect(job.attempts).toBe(2);
    // resumed after the committed pages: every record classified and written once, none twice
    expect(job.counts).toEqual({
      total: ROWS,
      processed: ROWS,
      succeeded: ROWS,
      failed: 0,
      inserted: ROWS,
      existing: 0,
    });
    expect(await results()).toEqual({ n: ROWS, records: ROWS });
    const { rows } = await pg.query(
      // Grouped once, not a correlated count per record: results are not indexed by record id alone.
      `SELECT count(*)::int AS records, count(*) FILTER (WHERE c.n = 1)::int AS once
         FROM records r
         LEFT JOIN (SELECT record_id, count(*) AS n FROM classification_results GROUP BY record_id) c
           ON c.record_id = r.id
        WHERE r.datasource_id = $1`,
      [datasourceId],
    );
    expect(rows[0]).toEqual({ records: ROWS, once: ROWS });
    const counts = await http('GET', `${base}/classification-jobs/${job.id}/label-counts`);
    expect(counts.body.total).toBe(ROWS);
    expect(counts.body.labels.reduce((a: number, l: any) => a + l.count, 0)).toBe(ROWS);
  });
});
