import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { multipartBody } from '../../support/multipart';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/**
 * Files may hold what PostgreSQL cannot store (NUL, very deep nesting): such a value costs its own row,
 * never the batch it is written in (which failed the whole ingestion, attempt after attempt).
 */
describe('ingesting values PostgreSQL cannot store', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let storageDir: string;
  const base = () => `/api/v1/workspaces/${crew.workspaceId}`;

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-storage-'));
    const env = { STORAGE_URL: `file://${storageDir}` };
    api = await startTestApi(env);
    worker = await startTestWorker(api, env);
    crew = await createWorkspaceCrew(api);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  const ingest = async (content: string, filename: string) => {
    const { payload, headers } = await multipartBody({}, { content, filename });
    const res = await api.request('POST', `${base()}/datasources`, { token: crew.editor.token, payload, headers });
    expect(res.status).toBe(201);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const job = await api.request('GET', `${base()}/jobs/${res.body.lastJobId}`, { token: crew.viewer.token });
      if (['succeeded', 'failed', 'cancelled'].includes(job.body.status))
        return { datasource: res.body, job: job.body };
      if (Date.now() > deadline) throw new Error(`job still ${job.body.status}: ${JSON.stringify(job.body)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const good = Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `reading ${i}`, n: i }));

  it('strips NUL from metadata, also after a backslash', async () => {
    const lines = [...good, JSON.stringify({ text: 'path', dir: 'C:\\\u0000', 'k\u0000ey': ['a\u0000'] })];
    const { datasource, job } = await ingest(lines.join('\n') + '\n', 'nul.ndjson');
    expect(job).toMatchObject({ status: 'succeeded', errorCount: 0, result: { records: 31 } });
    const page = await api.request('GET', `${base()}/records`, {
      token: crew.viewer.token,
      query: { datasourceId: datasource.id, q: 'path' },
    });
    expect(page.body.items.map((r: any) => r.metadata)).toEqual([{ dir: 'C:\\', key: ['a'] }]);
  });

  it('makes a row nested too deep for jsonb a row error, and stores the rest', async () => {
    const levels = 20_000; // deeper than JSON.stringify (~4,000) and jsonb (~14,000) take
    const deep = `{"text": "deep", "x": ${'['.repeat(levels)}${']'.repeat(levels)}}`;
    const deepWithoutText = `{"x": ${'['.repeat(levels)}${']'.repeat(levels)}}`;
    const lines = [...good.slice(0, 15), deep, ...good.slice(15), deepWithoutText];
    const { job } = await ingest(lines.join('\n') + '\n', 'deep.ndjson');
    expect(job).toMatchObject({ status: 'succeeded', errorCount: 2, result: { records: 30, failed: 2 } });
    expect(job.errors).toEqual([
      { row: 16, field: 'metadata', message: expect.stringMatching(/^x(\[0\])+ nests deeper/) },
      { row: 32, message: expect.stringMatching(/nests deeper/) },
    ]);
  });
});
