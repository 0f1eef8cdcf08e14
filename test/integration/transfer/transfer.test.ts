import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { describeRouteTable } from '../../support/route-table';
import { createUser, startTestApi, TestApi } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { createLocation, createWorkspace, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';
import {
  ALL,
  documentOf,
  DocLine,
  exportWorkspace,
  importDocument,
  normalised,
  seedEveryKind,
  startImport,
  telemetryWindow,
  waitForJob,
} from './transfer-helpers';

describe('workspace export and import', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let pg: Client;
  let storageDir: string;
  let source: Awaited<ReturnType<typeof seedEveryKind>>;
  let original: { gz: Buffer; lines: DocLine[] };
  let window: { from: string; to: string };

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-transfer-'));
    const env = { STORAGE_URL: `file://${storageDir}` };
    api = await startTestApi(env);
    worker = await startTestWorker(api, env);
    crew = await createWorkspaceCrew(api, 'Source lab');
    pg = new Client({ connectionString: api.dbUrl });
    await pg.connect();
    source = await seedEveryKind(api, crew.owner, crew.workspaceId);
    window = telemetryWindow();
    original = await exportWorkspace(api, crew.editor, crew.workspaceId, { include: ALL, telemetry: window });
  });
  afterAll(async () => {
    await pg?.end();
    await worker?.close();
    await api?.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  const count = async (table: string, workspaceId: string) =>
    (await pg.query(`SELECT count(*)::int AS n FROM ${table} WHERE workspace_id = $1`, [workspaceId])).rows[0].n;

  it('writes a versioned NDJSON document: header, then every kind in order, no secrets', () => {
    const [header, ...lines] = original.lines;
    expect(header).toMatchObject({ format: 'labwire.export', version: 1, source: { workspaceId: crew.workspaceId } });
    const types = lines.map((l) => l.type);
    expect([...new Set(types)]).toEqual([
      'location',
      'instrument',
      'classification-scheme',
      'classification-scheme-version',
      'datasource',
      'datasource-file',
      'record',
      'classification-job',
      'classification-result',
      'telemetry',
    ]);
    expect(types.filter((t) => t === 'record')).toHaveLength(40);
    expect(types.filter((t) => t === 'classification-result')).toHaveLength(40);
    expect(types.filter((t) => t === 'telemetry')).toHaveLength(30);
    const text = JSON.stringify(original.lines);
    expect(text).not.toMatch(/apiKey|secret|password|@lab\.test/i);
  });

  it('round trip: imported into a new workspace and exported again gives the same document apart from ids and times', async () => {
    const target = await createWorkspace(api, crew.owner, 'Target lab');
    const job = await importDocument(api, crew.owner, target, original.gz);
    expect(job.status).toBe('succeeded');
    expect(job.result.instrumentsWithoutCredentials.map((i: any) => i.serialNumber)).toEqual(['BAL-7', 'PH-001']);
    expect(job.result.written).toMatchObject({
      location: 1,
      instrument: 2,
      record: 40,
      'classification-result': 40,
      telemetry: 30,
    });
    const again = await exportWorkspace(api, crew.owner, target, { include: ALL, telemetry: window });
    expect(normalised(again.lines)).toEqual(normalised(original.lines));
    // the imported data source's stored file came along, and its status follows the import job
    const ds = again.lines.find((l) => l.type === 'datasource')?.data as any;
    const read = await api.request('GET', `/api/v1/workspaces/${target}/datasources/${ds.id}`, {
      token: crew.owner.token,
    });
    expect(read.body).toMatchObject({
      status: 'ingested',
      counts: { records: 40 },
      checksum: source.datasource.checksum,
    });
    // and the imported job's results are readable like any job's
    const jobLine = again.lines.find((l) => l.type === 'classification-job')?.data as any;
    const results = await api.request('GET', `/api/v1/workspaces/${target}/classification-jobs/${jobLine.id}/results`, {
      token: crew.owner.token,
    });
    expect(results.body.total).toBe(40);
  });

  it('carries any text and metadata exactly: quotes, backslashes, control characters, line separators, emoji', async () => {
    const ws = await createWorkspace(api, crew.owner, 'Odd text lab');
    const base = `/api/v1/workspaces/${ws}`;
    const ds = await api.request('POST', `${base}/datasources`, {
      token: crew.owner.token,
      body: { type: 'text', text: 'one\ntwo', name: 'Odd' },
    });
    expect((await waitForJob(api, crew.owner, ws, ds.body.lastJobId)).status).toBe('succeeded');
    const odd = 'a "quoted" \\ back\\slash\ttab\nnew line \u0001\u0002 \u2028\u2029 \u{1F9EA} \u00e9';
    const meta = { 'k"ey': 'x\\"y', nested: { tab: '\t', nul: 'a\u0001b' }, n: [1, 2.5, null, true] };
    await pg.query(`UPDATE records SET text = $2, metadata = $3 WHERE datasource_id = $1 AND position = 1`, [
      ds.body.id,
      odd,
      JSON.stringify(meta),
    ]);
    const doc = await exportWorkspace(api, crew.owner, ws, { include: ['datasources'] });
    const records = doc.lines.filter((l) => l.type === 'record').map((l) => l.data as any);
    expect(records.map((r) => r.text)).toEqual([odd, 'two']);
    expect(records[0].metadata).toEqual(meta);
    const target = await createWorkspace(api, crew.owner, 'Odd text copy');
    expect((await importDocument(api, crew.owner, target, doc.gz)).status).toBe('succeeded');
    const stored = await pg.query(`SELECT text, metadata FROM records WHERE workspace_id = $1 ORDER BY position`, [
      target,
    ]);
    expect(stored.rows).toEqual([
      { text: odd, metadata: meta },
      { text: 'two', metadata: expect.any(Object) },
    ]);
  });

  it('importing the same document twice adds nothing', async () => {
    const target = await createWorkspace(api, crew.owner, 'Twice');
    const first = await importDocument(api, crew.owner, target, original.gz);
    expect(first.status).toBe('succeeded');
    const tables = [
      'locations',
      'instruments',
      'classification_schemes',
      'datasources',
      'records',
      'classification_results',
      'jobs',
    ];
    const before = await Promise.all(tables.map((t) => count(t, target)));
    const second = await importDocument(api, crew.owner, target, original.gz);
    expect(second.status).toBe('succeeded');
    expect(Object.values(second.result.written).reduce((a: number, b: any) => a + b, 0)).toBe(0);
    const after = await Promise.all(tables.map((t) => count(t, target)));
    // one more jobs row: the second import job itself
    expect(after).toEqual(before.map((n, i) => (tables[i] === 'jobs' ? n + 1 : n)));
  });

  it('dry run answers the report (counts, conflicts) and writes nothing', async () => {
    const before = await count('records', crew.workspaceId);
    const job = await importDocument(api, crew.editor, crew.workspaceId, original.gz, { dryRun: 'true' });
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ dryRun: true, version: 1, counts: { record: 40, location: 1, instrument: 2 } });
    expect(job.result.conflicts.map((c: any) => `${c.type}.${c.field}=${c.value}`).sort()).toEqual([
      'classification-scheme.name=Topics',
      'datasource.checksum=' + source.datasource.checksum,
      'instrument.serialNumber=BAL-7',
      'instrument.serialNumber=PH-001',
      'location.name=Lab 1',
    ]);
    expect(await count('records', crew.workspaceId)).toBe(before);
  });

  it('conflicts follow onConflict: fail writes nothing, rename renames, skip uses what is there', async () => {
    const failed = await importDocument(api, crew.editor, crew.workspaceId, original.gz);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/already has/);
    expect(await count('locations', crew.workspaceId)).toBe(1);

    const skip = await importDocument(api, crew.editor, crew.workspaceId, original.gz, { onConflict: 'skip' });
    expect(skip.status).toBe('succeeded');
    expect(await count('locations', crew.workspaceId)).toBe(1);
    expect(await count('records', crew.workspaceId)).toBe(40);

    const target = await createWorkspace(api, crew.owner, 'Rename');
    await createLocation(api, crew.owner, target, { name: 'Lab 1' });
    const renamed = await importDocument(api, crew.owner, target, original.gz, { onConflict: 'rename' });
    expect(renamed.status).toBe('succeeded');
    expect(renamed.result.renamed).toEqual([{ type: 'location', from: 'Lab 1', to: 'Lab 1 (imported)' }]);
    const names = (await pg.query(`SELECT name FROM locations WHERE workspace_id = $1 ORDER BY name`, [target])).rows;
    expect(names.map((r) => r.name)).toEqual(['Lab 1', 'Lab 1 (imported)']);
  });

  it('refuses a document of a future version, and one that is not an export, at once', async () => {
    const future = documentOf([{ format: 'labwire.export', version: 2, exportedAt: new Date().toISOString() }]);
    const res = await startImport(api, crew.editor, crew.workspaceId, future);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('IMPORT_VERSION_UNSUPPORTED');
    expect(res.body.detail).toMatch(/version 2.*reads version 1/);
    const other = await startImport(api, crew.editor, crew.workspaceId, Buffer.from('{"hello": 1}\n'));
    expect(res.status).toBe(422);
    expect(other.body.code).toBe('IMPORT_DOCUMENT_INVALID');
  });

  it('reports invalid lines by number and writes nothing', async () => {
    const target = await createWorkspace(api, crew.owner, 'Invalid');
    const doc = documentOf([
      original.lines[0],
      { type: 'location', data: { id: 'a', name: 'Room' } },
      {
        type: 'instrument',
        data: { id: 'b', name: 'x', serialNumber: 'S', status: 'active', capabilities: {}, locationId: 'nope' },
      },
      { type: 'gadget', data: {} },
      'not an entity',
    ]);
    const job = await importDocument(api, crew.owner, target, doc);
    expect(job.status).toBe('failed');
    expect(job.errors.map((e: any) => e.row)).toEqual([3, 4, 5]);
    expect(job.errors[0].message).toMatch(/locationId/);
    expect(await count('locations', target)).toBe(0);
  });

  it('validates export requests and needs an editor', async () => {
    const base = `/api/v1/workspaces/${crew.workspaceId}`;
    const bad = await api.request('POST', `${base}/export`, {
      token: crew.editor.token,
      body: { include: ['everything'] },
    });
    expect(bad.status).toBe(400);
    const noWindow = await api.request('POST', `${base}/export`, {
      token: crew.editor.token,
      body: { include: ['telemetry'] },
    });
    expect(noWindow.status).toBe(400);
    const notReady = await api.request('GET', `${base}/export/${source.job.id}/download`, { token: crew.viewer.token });
    expect(notReady.status).toBe(404);
  });
});

describe('transfer routes', () => {
  let api: TestApi;
  let crew: WorkspaceCrew;
  let exportJobId: string;
  let storageDir: string;
  let worker: INestApplicationContext;
  describeRouteTable(
    'transfer',
    async () => {
      storageDir = mkdtempSync(join(tmpdir(), 'labwire-transfer-rt-'));
      api = await startTestApi({ STORAGE_URL: `file://${storageDir}` });
      worker = await startTestWorker(api, { STORAGE_URL: `file://${storageDir}` });
      crew = await createWorkspaceCrew(api);
      const admin = await createUser(api, { role: 'admin' });
      const started = await api.request('POST', `/api/v1/workspaces/${crew.workspaceId}/export`, {
        token: crew.editor.token,
        body: { include: ['locations'] },
      });
      exportJobId = started.body.id;
      await waitForJob(api, crew.editor, crew.workspaceId, exportJobId);
      const base = `/api/v1/workspaces/${crew.workspaceId}`;
      return {
        api,
        crew,
        admin,
        routes: [
          { method: 'POST', path: `${base}/export`, role: 'editor', body: { include: ['locations'] } },
          { method: 'GET', path: `${base}/export/${exportJobId}/download`, role: 'viewer' },
          { method: 'POST', path: `${base}/import`, role: 'editor', body: { shareToken: 'lwsh_unknown' } },
        ],
      };
    },
    async () =>
      (await api.request('GET', `/api/v1/workspaces/${crew.workspaceId}/jobs`, { token: crew.owner.token })).body.total,
  );
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    rmSync(storageDir, { recursive: true, force: true });
  });
});
