import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DatasourceService } from '../../../libs/domain/src';
import { multipartBody } from '../../support/multipart';
import { startTestApi, TestApi } from '../../support/test-app';
import { createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/** Every file under a directory, recursively (what the storage holds). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/**
 * PostgreSQL stores NUL (U+0000) in neither text nor jsonb, and refuses very deeply nested jsonb. Input
 * holding either is a 400 naming the field, with nothing created, rather than a 500 after half the work
 * (or a background job that fails on every attempt).
 */
describe('input PostgreSQL cannot store', () => {
  let api: TestApi;
  let crew: WorkspaceCrew;
  let instrumentId: string;
  let storageDir: string;
  const base = () => `/api/v1/workspaces/${crew.workspaceId}`;

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-storage-'));
    api = await startTestApi({ STORAGE_URL: `file://${storageDir}` });
    crew = await createWorkspaceCrew(api);
    instrumentId = (await createInstrument(api, crew.owner, crew.workspaceId)).id;
  });
  afterAll(async () => {
    await api?.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  const expect400 = (res: { status: number; body: any }, field: string) => {
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field, message: expect.any(String) }] });
  };
  const total = async (path: string) =>
    (await api.request('GET', `${base()}/${path}`, { token: crew.viewer.token })).body.total;

  it('refuses NUL and deep nesting in JSON bodies, creating nothing', async () => {
    const commands = `instruments/${instrumentId}/commands`;
    const send = (body: unknown) => api.request('POST', `${base()}/${commands}`, { token: crew.editor.token, body });
    expect400(await send({ name: 'start\u0000' }), 'name');
    expect400(await send({ name: 'start', params: { 'k\u0000': 1 } }), 'params.k\\u0000');
    const levels = 20_000; // past what jsonb takes (~14,000)
    const deep = await api.request('POST', `${base()}/${commands}`, {
      token: crew.editor.token,
      payload: `{"name": "start", "params": {"deep": ${'['.repeat(levels)}${']'.repeat(levels)}}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(deep.status).toBe(400);
    expect(deep.body.errors[0].field).toMatch(/^params\.deep(\[0\])+$/);
    expect(await total(commands)).toBe(0);

    const backfill = await api.request('POST', `${base()}/instruments/${instrumentId}/telemetry`, {
      token: crew.editor.token,
      body: [{ ts: Date.now() - 60_000, values: { 'p\u0000h': 7 } }],
    });
    expect400(backfill, '[0].values.p\\u0000h');
    const csv = await api.request('POST', `${base()}/instruments/${instrumentId}/telemetry`, {
      token: crew.editor.token,
      payload: `time,metric,value\n${new Date(Date.now() - 60_000).toISOString()},p\u0000h,7\n`,
      headers: { 'content-type': 'text/csv' },
    });
    expect(csv.status).toBe(400);
    expect(await total('jobs')).toBe(0);

    const text = await api.request('POST', `${base()}/datasources`, {
      token: crew.editor.token,
      body: { type: 'text', text: 'hello', name: 'notes\u0000' },
    });
    expect400(text, 'name');
    expect(await total('datasources')).toBe(0);
  });

  it('refuses NUL in multipart form fields before storing the file', async () => {
    const { payload, headers } = await multipartBody(
      { name: 'run\u000042' },
      { content: 'a,b\n1,2\n', filename: 'run.csv', type: 'text/csv' },
    );
    const res = await api.request('POST', `${base()}/datasources`, { token: crew.editor.token, payload, headers });
    expect400(res, 'name');
    expect(await total('datasources')).toBe(0);
  });

  it("refuses NUL in an upload's file name, storing nothing", async () => {
    // (a lone surrogate cannot reach a multipart header: UTF-8 has no encoding for one)
    const { payload, headers } = await multipartBody({}, { content: 'a,b\n1,2\n', filename: 'run\u000042.csv' });
    const res = await api.request('POST', `${base()}/datasources`, { token: crew.editor.token, payload, headers });
    expect400(res, 'file');
    expect(await total('datasources')).toBe(0);
    expect(filesUnder(storageDir)).toEqual([]);
  });

  it('removes the stored file when the data source cannot be recorded', async () => {
    // straight to the service, past the route's check: the row's insert fails after the file was stored
    const upload = api.app
      .get(DatasourceService)
      .createFromUpload(
        { workspaceId: crew.workspaceId, userId: crew.editor.id, role: 'editor' },
        { stream: Readable.from([Buffer.from('a,b\n1,2\n')]), filename: 'bad\u0000name.csv' },
        { userId: crew.editor.id },
      );
    await expect(upload).rejects.toThrow();
    expect(await total('datasources')).toBe(0);
    expect(filesUnder(storageDir)).toEqual([]);
  });

  it('refuses NUL in query strings', async () => {
    for (const path of ['records', 'datasources']) {
      const res = await api.request('GET', `${base()}/${path}`, { token: crew.viewer.token, query: { q: 'a\u0000b' } });
      expect400(res, 'q');
    }
    const meta = await api.request('GET', `${base()}/records/export`, {
      token: crew.viewer.token,
      query: { format: 'csv', metadataKey: 'k', metadataValue: 'v\u0000' },
    });
    expect400(meta, 'metadataValue');
  });
});
