import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { multipartBody } from '../../support/multipart';
import { createUser, startTestApi, TestApi, TestUser } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

const DOCS = 50;

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

/**
 * URL lists fetched from a local server through the SSRF guard (allowed: exactly that server's
 * address and port), and ingestion jobs cancelled and retried.
 */
describe('URL lists, cancel and retry', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let admin: TestUser;
  let storageDir: string;
  let site: Server;
  let internal: Server;
  let sitePort: number;
  let internalPort: number;
  let internalHits = 0;
  const base = () => `/api/v1/workspaces/${crew.workspaceId}`;

  beforeAll(async () => {
    site = createServer((req, res) => {
      const url = req.url ?? '/';
      const doc = /^\/doc\/(\d+)$/.exec(url);
      if (doc) {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(`Protocol note ${doc[1]}: stir gently`);
      } else if (url === '/slow') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('the start of an answer that never ends');
      } else if (url === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(20_000));
      } else if (url === '/to-internal') {
        res.writeHead(302, { location: `http://127.0.0.1:${internalPort}/secret` }).end();
      } else if (url === '/hop') {
        res.writeHead(301, { location: '/doc/999' }).end();
      } else if (url === '/image') {
        res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      } else {
        res.writeHead(404).end();
      }
    });
    internal = createServer((_req, res) => {
      internalHits++;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('internal secret');
    });
    sitePort = await listen(site);
    internalPort = await listen(internal);
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-storage-'));
    const env = {
      STORAGE_URL: `file://${storageDir}`,
      INGEST_URL_TIMEOUT_MS: '700',
      INGEST_URL_MAX_BYTES: '10000',
      INGEST_ALLOW_PRIVATE_NETWORKS: `127.0.0.1:${sitePort}`,
      INGEST_BATCH_SIZE: '1000',
    };
    api = await startTestApi(env);
    worker = await startTestWorker(api, env);
    [crew, admin] = await Promise.all([createWorkspaceCrew(api), createUser(api, { role: 'admin' })]);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    site?.closeAllConnections();
    await new Promise((r) => site?.close(r));
    await new Promise((r) => internal?.close(r));
    rmSync(storageDir, { recursive: true, force: true });
  });

  const job = (id: string) => api.request('GET', `${base()}/jobs/${id}`, { token: crew.viewer.token });
  // A bound on liveness, not a performance target: on a loaded machine a 100,000-row job takes a while.
  const until = async (id: string, done: (job: any) => boolean, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await job(id);
      if (done(res.body)) return res.body;
      if (Date.now() > deadline) throw new Error(`job not there yet: ${JSON.stringify(res.body)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const finished = (id: string) => until(id, (j) => ['succeeded', 'failed', 'cancelled'].includes(j.status));
  const recordCount = async (datasourceId: string) =>
    (await api.request('GET', `${base()}/records`, { token: crew.viewer.token, query: { datasourceId, pageSize: 1 } }))
      .body.total as number;

  it('fetches a URL list with time and size limits, content-type checks and the SSRF guard on every hop', async () => {
    const site = `http://127.0.0.1:${sitePort}`;
    const urls = [
      ...Array.from({ length: DOCS }, (_, i) => `${site}/doc/${i}`),
      `${site}/slow`,
      `${site}/big`,
      `${site}/to-internal`,
      `http://localhost:${internalPort}/secret`,
      `http://[::ffff:127.0.0.1]:${internalPort}/secret`,
      `${site}/hop`,
    ];
    const res = await api.request('POST', `${base()}/datasources`, {
      token: crew.editor.token,
      body: { type: 'urls', urls, name: 'Protocol notes' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ type: 'urls', name: 'Protocol notes', options: { urlCount: urls.length } });
    const done = await finished(res.body.lastJobId);
    expect(done.status).toBe('succeeded');
    const line = (i: number) => i + 1;
    expect(done.errors).toEqual([
      {
        row: line(DOCS),
        field: 'url',
        message: expect.stringMatching(/\/slow: timeout: no complete answer within 700 ms/),
      },
      { row: line(DOCS + 1), field: 'url', message: expect.stringMatching(/\/big: too_large: .*10000/) },
      {
        row: line(DOCS + 2),
        field: 'url',
        message: expect.stringMatching(/\/to-internal: blocked: 127\.0\.0\.1:\d+ refused/),
      },
      {
        row: line(DOCS + 3),
        field: 'url',
        message: expect.stringMatching(
          /localhost:\d+\/secret: blocked: localhost:\d+ refused: it resolves to a loopback address/,
        ),
      },
      { row: line(DOCS + 4), field: 'url', message: expect.stringContaining('blocked') },
    ]);
    // what the internal name resolved to is not told
    expect(done.errors[3].message).not.toMatch(/127\.0\.0\.1|::1\b/);
    expect(internalHits).toBe(0);
    expect(done.counts).toMatchObject({ total: urls.length, processed: urls.length, succeeded: DOCS + 1, failed: 5 });

    const page = await api.request('GET', `${base()}/records`, {
      token: crew.viewer.token,
      query: { datasourceId: res.body.id, pageSize: 500 },
    });
    expect(page.body.total).toBe(DOCS + 1);
    expect(page.body.items[3]).toMatchObject({
      position: 4,
      text: 'Protocol note 3: stir gently',
      metadata: { url: `${site}/doc/3`, finalUrl: `${site}/doc/3`, status: 200, contentType: 'text/plain', bytes: 28 },
    });
    const hop = page.body.items[DOCS];
    expect(hop).toMatchObject({ position: urls.length, text: 'Protocol note 999: stir gently' });
    expect(hop.metadata.finalUrl).toBe(`${site}/doc/999`);
  });

  it('refuses a non-text document as a row error', async () => {
    const urls = [
      ...Array.from({ length: 15 }, (_, i) => `http://127.0.0.1:${sitePort}/doc/${1000 + i}`),
      `http://127.0.0.1:${sitePort}/image`,
      `http://127.0.0.1:${sitePort}/missing`,
    ];
    const res = await api.request('POST', `${base()}/datasources`, {
      token: crew.editor.token,
      body: { type: 'urls', urls },
    });
    const done = await finished(res.body.lastJobId);
    // 2 of 17 rows: past the 10 % (INGEST_MAX_ERROR_RATIO) a source may lose
    expect(done.status).toBe('failed');
    expect(done.errors).toEqual([
      { row: 16, field: 'url', message: expect.stringContaining('content_type: content type "image/png" is not text') },
      { row: 17, field: 'url', message: expect.stringContaining('http_status: answered HTTP 404') },
    ]);
    expect(await recordCount(res.body.id)).toBe(0);
  });

  it('cancels a queued ingestion at once and runs it again on retry', async () => {
    expect((await api.request('POST', '/api/v1/admin/queues/ingestion/pause', { token: admin.token })).status).toBe(
      200,
    );
    try {
      const res = await api.request('POST', `${base()}/datasources`, {
        token: crew.editor.token,
        body: { type: 'text', text: 'one\ntwo\nthree\n' },
      });
      expect(res.status).toBe(201);
      const cancel = await api.request('POST', `${base()}/jobs/${res.body.lastJobId}/cancel`, {
        token: crew.editor.token,
      });
      expect(cancel.body.status).toBe('cancelled');
      const ds = await api.request('GET', `${base()}/datasources/${res.body.id}`, { token: crew.viewer.token });
      expect(ds.body.status).toBe('cancelled');
      const busy = await api.request('POST', `${base()}/datasources/${res.body.id}/ingestion`, {
        token: crew.editor.token,
      });
      expect(busy.status).toBe(202); // cancelled: a new run may start (it waits in the paused queue)
      const again = await api.request('POST', `${base()}/datasources/${res.body.id}/ingestion`, {
        token: crew.editor.token,
      });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('DATASOURCE_BUSY');
      await api.request('POST', `${base()}/jobs/${busy.body.id}/cancel`, { token: crew.editor.token });
      expect((await api.request('POST', '/api/v1/admin/queues/ingestion/resume', { token: admin.token })).status).toBe(
        200,
      );
      const retried = await api.request('POST', `${base()}/jobs/${res.body.lastJobId}/retry`, {
        token: crew.editor.token,
      });
      expect(retried.status).toBe(202);
      expect((await finished(res.body.lastJobId)).status).toBe('succeeded');
      expect(await recordCount(res.body.id)).toBe(3);
    } finally {
      await api.request('POST', '/api/v1/admin/queues/ingestion/resume', { token: admin.token });
    }
  });

  it('cancels a running ingestion between batches, and a retry completes it without duplicates', async () => {
    const rows = 100_000;
    const csv =
      'id,text,batch\n' +
      Array.from({ length: rows }, (_, i) => `${i},measurement ${i} recorded,${i % 7}`).join('\n') +
      '\n';
    const { payload, headers } = await multipartBody({}, { content: csv, filename: 'long.csv' });
    const res = await api.request('POST', `${base()}/datasources`, { token: crew.editor.token, payload, headers });
    expect(res.status).toBe(201);
    const jobId = res.body.lastJobId;
    await until(jobId, (j) => j.status === 'running' && (j.counts.inserted ?? 0) > 0);
    const cancel = await api.request('POST', `${base()}/jobs/${jobId}/cancel`, { token: crew.editor.token });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ status: 'running', cancelRequested: true });
    const cancelled = await finished(jobId);
    expect(cancelled.status).toBe('cancelled');
    const partial = await recordCount(res.body.id);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(rows);
    expect(partial % 1000).toBe(0); // whole batches only

    const retry = await api.request('POST', `${base()}/jobs/${jobId}/retry`, { token: crew.editor.token });
    expect(retry.status).toBe(202);
    const done = await finished(jobId);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, errorCount: 0 });
    expect(done.result).toEqual({ records: rows, inserted: rows - partial, existing: partial, failed: 0 });
    expect(await recordCount(res.body.id)).toBe(rows);
    const ds = await api.request('GET', `${base()}/datasources/${res.body.id}`, { token: crew.viewer.token });
    expect(ds.body).toMatchObject({ status: 'ingested', counts: { records: rows, errors: 0 } });
  }, 300_000);
});
