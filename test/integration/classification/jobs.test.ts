import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { startChatCompletionsServer } from '../../support/chat-completions-server';
import { TOPICS, topicTexts } from '../../../bench/support/topic-texts';
import { multipartBody } from '../../support/multipart';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

const LABELS = Object.keys(TOPICS);

/** Classification jobs through the api and an in-process worker: results, filters, counts, CSV, cancel, retry. */
describe('classification jobs', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let pg: Client;
  let storageDir: string;
  let llm: Awaited<ReturnType<typeof startChatCompletionsServer>>;
  const base = () => `/api/v1/workspaces/${crew.workspaceId}`;

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-classify-'));
    llm = await startChatCompletionsServer(
      (text) => LABELS.find((l) => TOPICS[l].some((w) => text.includes(w))) ?? LABELS[0],
      {
        delayMs: 60,
      },
    );
    const env = {
      STORAGE_URL: `file://${storageDir}`,
      CLASSIFY_PAGE_SIZE: '40',
      CLASSIFY_ALLOW_PRIVATE_NETWORKS: '127.0.0.1',
    };
    api = await startTestApi(env);
    worker = await startTestWorker(api, env);
    crew = await createWorkspaceCrew(api);
    pg = new Client({ connectionString: api.dbUrl });
    await pg.connect();
  });
  afterAll(async () => {
    await pg?.end();
    await worker?.close();
    await api?.close();
    await llm?.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  const finished = async (jobId: string, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await api.request('GET', `${base()}/jobs/${jobId}`, { token: crew.viewer.token });
      if (['succeeded', 'failed', 'cancelled'].includes(res.body.status)) return res.body;
      if (Date.now() > deadline) throw new Error(`job ${jobId} still ${res.body.status}: ${JSON.stringify(res.body)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** A text data source, one record per line, ingested. */
  const textSource = async (lines: string[]) => {
    const created = await api.request('POST', `${base()}/datasources`, {
      token: crew.editor.token,
      body: { type: 'text', text: lines.join('\n'), name: `lines ${Math.random()}` },
    });
    expect(created.status).toBe(201);
    expect((await finished(created.body.lastJobId)).status).toBe('succeeded');
    return created.body.id as string;
  };

  const createScheme = async (body: Record<string, unknown>) => {
    const res = await api.request('POST', `${base()}/classification-schemes`, {
      token: crew.editor.token,
      body: { mode: 'single', labels: LABELS.map((name) => ({ name })), ...body },
    });
    expect(res.status).toBe(201);
    return res.body;
  };

  const startJob = async (body: Record<string, unknown>) => {
    const res = await api.request('POST', `${base()}/classification-jobs`, { token: crew.editor.token, body });
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`${base()}/jobs/${res.body.id}`);
    return res.body;
  };

  const resultCount = async (schemeId: string, version?: number) => {
    const { rows } = await pg.query(
      `SELECT count(*)::int AS n, count(DISTINCT record_id)::int AS records FROM classification_results
        WHERE scheme_id = $1 AND ($2::int IS NULL OR scheme_version = $2)`,
      [schemeId, version ?? null],
    );
    return rows[0] as { n: number; records: number };
  };

  it('labels every record once with the built-in provider; results filter, count per label and export', async () => {
    const truth = topicTexts(30, 101);
    const datasourceId = await textSource(truth.map((t) => t.text));
    const scheme = await createScheme({
      name: 'Topic',
      examples: topicTexts(10, 202),
      labels: [
        { name: 'chemistry', rules: [{ type: 'keyword', pattern: 'titration', weight: 1 }] },
        { name: 'biology' },
        { name: 'maintenance', rules: [{ type: 'regex', pattern: '\\b(pump|motor)\\b', weight: 1 }] },
      ],
    });

    expect(
      (
        await api.request('POST', `${base()}/classification-jobs`, {
          token: crew.viewer.token,
          body: { schemeId: scheme.id, filter: {} },
        })
      ).status,
    ).toBe(403);
    const both = await api.request('POST', `${base()}/classification-jobs`, {
      token: crew.editor.token,
      body: { schemeId: scheme.id, filter: {}, datasourceIds: [datasourceId] },
    });
    expect(both.status).toBe(400);
    const neither = await api.request('POST', `${base()}/classification-jobs`, {
      token: crew.editor.token,
      body: { schemeId: scheme.id },
    });
    expect(neither.status).toBe(400);
    const unknown = await api.request('POST', `${base()}/classification-jobs`, {
      token: crew.editor.token,
      body: { schemeId: scheme.id, datasourceIds: ['0b4a5f1e-5f0e-4c59-9a53-0d8d2c0f1a11'] },
    });
    expect(unknown.body.code).toBe('DATASOURCE_NOT_FOUND');

    const job = await startJob({ schemeId: scheme.id, datasourceIds: [datasourceId] });
    expect(job).toMatchObject({
      kind: 'classification.run',
      input: { schemeId: scheme.id, schemeName: 'Topic', schemeVersion: 1, datasourceIds: [datasourceId] },
      counts: { total: 90, processed: 0 },
      links: { events: `${base()}/jobs/${job.id}/events` },
    });
    const done = await finished(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.counts).toEqual({ total: 90, processed: 90, succeeded: 90, failed: 0, inserted: 90, existing: 0 });
    expect(done.result).toMatchObject({ classified: 90, inserted: 90, existing: 0, trainingDocuments: 30 });
    expect(await resultCount(scheme.id)).toEqual({ n: 90, records: 90 });

    const page = await api.request('GET', `${base()}/classification-jobs/${job.id}/results`, {
      token: crew.viewer.token,
      query: { pageSize: 500 },
    });
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(90);
    const byText = new Map(truth.map((t) => [t.text, t.label]));
    let correct = 0;
    for (const r of page.body.items) {
      expect(r.labels).toHaveLength(1);
      expect(r.confidence).toBeGreaterThan(0);
      expect(r.confidence).toBeLessThanOrEqual(1);
      expect(r).toMatchObject({ datasourceId, schemeId: scheme.id, schemeVersion: 1, jobId: job.id });
      expect(r.explanation).toMatchObject({
        provider: 'builtin',
        rules: expect.any(Array),
        tokens: expect.any(Object),
      });
      if (byText.get(r.text) === r.labels[0].label) correct++;
    }
    // positions come in order
    expect(page.body.items.map((r: any) => r.position)).toEqual([...Array(90).keys()].map((i) => i + 1));
    expect(correct / 90).toBeGreaterThanOrEqual(0.85);

    const counts = await api.request('GET', `${base()}/classification-jobs/${job.id}/label-counts`, {
      token: crew.viewer.token,
    });
    expect(counts.body).toMatchObject({ schemeId: scheme.id, schemeVersion: 1, total: 90, unlabelled: 0 });
    expect(counts.body.labels.map((l: any) => l.label)).toEqual(LABELS);
    expect(counts.body.labels.reduce((a: number, l: any) => a + l.count, 0)).toBe(90);

    const chem = await api.request('GET', `${base()}/classification-jobs/${job.id}/results`, {
      token: crew.viewer.token,
      query: { label: 'chemistry', pageSize: 500 },
    });
    expect(chem.body.total).toBe(counts.body.labels[0].count);
    expect(chem.body.items.every((r: any) => r.labels[0].label === 'chemistry')).toBe(true);
    const sure = await api.request('GET', `${base()}/classification-jobs/${job.id}/results`, {
      token: crew.viewer.token,
      query: { minConfidence: 0.99, sort: '-confidence', pageSize: 500 },
    });
    expect(sure.body.total).toBeLessThan(90);
    expect(sure.body.items.every((r: any) => r.confidence >= 0.99)).toBe(true);
    const confident = await api.request('GET', `${base()}/classification-jobs/${job.id}/label-counts`, {
      token: crew.viewer.token,
      query: { minConfidence: 0.99 },
    });
    expect(confident.body.total).toBe(sure.body.total);
    const badLabel = await api.request('GET', `${base()}/classification-jobs/${job.id}/results`, {
      token: crew.viewer.token,
      query: { label: 'physics' },
    });
    expect(badLabel.status).toBe(400);

    const csv = await api.request('GET', `${base()}/classification-jobs/${job.id}/results/export`, {
      token: crew.viewer.token,
      query: { label: 'biology' },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = (csv.body as string).trim().split('\r\n');
    expect(lines[0]).toBe('recordId,datasourceId,position,labels,confidence,schemeVersion,explanation,text');
    expect(lines).toHaveLength(1 + counts.body.labels[1].count);
    expect(lines.slice(1).every((l) => l.split(',')[3] === 'biology')).toBe(true);

    // the same version over the same records again: nothing new, still one result per record
    const again = await startJob({ schemeId: scheme.id, filter: { datasourceId } });
    const second = await finished(again.id);
    expect(second.counts).toMatchObject({ total: 90, processed: 90, inserted: 0, existing: 90 });
    expect(await resultCount(scheme.id)).toEqual({ n: 90, records: 90 });
    const secondResults = await api.request('GET', `${base()}/classification-jobs/${again.id}/results`, {
      token: crew.viewer.token,
    });
    expect(secondResults.body.total).toBe(90);

    // an edit makes version 2; version 1's results stay as they were
    const edited = await api.request('PATCH', `${base()}/classification-schemes/${scheme.id}`, {
      token: crew.editor.token,
      body: { examples: topicTexts(12, 303) },
    });
    expect(edited.body.version).toBe(2);
    const third = await finished((await startJob({ schemeId: scheme.id, datasourceIds: [datasourceId] })).id);
    expect(third.input.schemeVersion).toBe(2);
    expect(third.counts).toMatchObject({ processed: 90, inserted: 90 });
    expect(await resultCount(scheme.id, 1)).toEqual({ n: 90, records: 90 });
    expect(await resultCount(scheme.id, 2)).toEqual({ n: 90, records: 90 });
    const firstAgain = await api.request('GET', `${base()}/classification-jobs/${job.id}/results`, {
      token: crew.viewer.token,
      query: { pageSize: 1 },
    });
    expect(firstAgain.body.items[0].schemeVersion).toBe(1);

    const list = await api.request('GET', `${base()}/classification-jobs`, { token: crew.viewer.token });
    expect(list.body.items.map((j: any) => j.id)).toEqual(expect.arrayContaining([job.id, again.id]));
    expect(list.body.items.every((j: any) => j.kind === 'classification.run')).toBe(true);
    const ingestion = (await api.request('GET', `${base()}/datasources/${datasourceId}`, { token: crew.viewer.token }))
      .body;
    expect(
      (await api.request('GET', `${base()}/classification-jobs/${ingestion.lastJobId}`, { token: crew.viewer.token }))
        .status,
    ).toBe(404);
    expect(
      (await api.request('GET', `${base()}/classification-jobs/${job.id}/results`, { token: crew.outsider.token }))
        .status,
    ).toBe(404);
  });

  it('trains the built-in model on labelled records', async () => {
    const labelled = topicTexts(20, 404);
    const csv = `text,label\n${labelled.map((t) => `${t.text},${t.label}`).join('\n')}\n`;
    const { payload, headers } = await multipartBody({}, { content: csv, filename: 'labelled.csv', type: 'text/csv' });
    const upload = await api.request('POST', `${base()}/datasources`, { token: crew.editor.token, payload, headers });
    expect(upload.status).toBe(201);
    expect((await finished(upload.body.lastJobId)).status).toBe('succeeded');
    const truth = topicTexts(20, 505);
    const target = await textSource(truth.map((t) => t.text));
    const scheme = await createScheme({
      name: 'Trained on records',
      training: { metadataField: 'label', datasourceIds: [upload.body.id] },
    });
    const done = await finished((await startJob({ schemeId: scheme.id, datasourceIds: [target] })).id);
    expect(done.status).toBe('succeeded');
    expect(done.result.trainingDocuments).toBe(60);
    const results = await api.request('GET', `${base()}/classification-jobs/${done.id}/results`, {
      token: crew.viewer.token,
      query: { pageSize: 500 },
    });
    const byText = new Map(truth.map((t) => [t.text, t.label]));
    const correct = results.body.items.filter((r: any) => byText.get(r.text) === r.labels[0].label).length;
    expect(correct / truth.length).toBeGreaterThanOrEqual(0.85);
  });

  it('cancels mid-run and resumes after the last committed page on retry: one result per record', async () => {
    const records = topicTexts(40, 606);
    const datasourceId = await textSource(records.map((t) => t.text));
    const scheme = await createScheme({
      name: 'Through a model',
      provider: {
        type: 'http',
        endpoint: llm.url,
        model: 'tiny',
        apiKey: 'sk-test-123456',
        batchSize: 5,
        requestsPerMinute: 6000,
      },
    });
    const sentBefore = llm.requests.reduce((n, r) => n + r.records.length, 0);
    const job = await startJob({ schemeId: scheme.id, datasourceIds: [datasourceId] });
    // pages of 25 (5 requests of 5 records, 60 ms each): cancel once the first page is committed
    const deadline = Date.now() + 10_000;
    for (;;) {
      const now = (await api.request('GET', `${base()}/jobs/${job.id}`, { token: crew.viewer.token })).body;
      if (now.counts.processed >= 25) break;
      if (Date.now() > deadline) throw new Error(`no page committed: ${JSON.stringify(now)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const cancel = await api.request('POST', `${base()}/jobs/${job.id}/cancel`, { token: crew.editor.token });
    expect(cancel.status).toBe(200);
    const cancelled = await finished(job.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.counts.processed).toBeLessThan(120);
    expect(cancelled.counts.processed % 25).toBe(0);
    const partial = await resultCount(scheme.id);
    expect(partial.n).toBe(cancelled.counts.processed);

    const retried = await api.request('POST', `${base()}/jobs/${job.id}/retry`, { token: crew.editor.token });
    expect(retried.status).toBe(202);
    const done = await finished(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toBe(2);
    expect(done.counts).toMatchObject({ total: 120, processed: 120, inserted: 120, existing: 0 });
    expect(await resultCount(scheme.id)).toEqual({ n: 120, records: 120 });
    // every record went to the model exactly once: the retry resumed after the committed pages
    expect(llm.requests.reduce((n, r) => n + r.records.length, 0) - sentBefore).toBe(120);
    expect(llm.requests[llm.requests.length - 1].headers.authorization).toBe('Bearer sk-test-123456');
    const sample = await api.request('GET', `${base()}/classification-jobs/${job.id}/results`, {
      token: crew.viewer.token,
      query: { pageSize: 1 },
    });
    expect(sample.body.items[0].explanation).toEqual({ provider: 'http', model: 'tiny', reason: 'test' });
  });

  it('results go with their records, their data source and their scheme', async () => {
    const first = await textSource(['titration of the acid', 'cell culture incubation', 'pump bearing leak']);
    const second = await textSource(['buffer dilution checked', 'motor vibration noted']);
    const scheme = await createScheme({ name: 'Short-lived', examples: topicTexts(5, 707) });
    await finished((await startJob({ schemeId: scheme.id, datasourceIds: [first, second] })).id);
    expect(await resultCount(scheme.id)).toEqual({ n: 5, records: 5 });

    const records = await api.request('GET', `${base()}/records`, {
      token: crew.viewer.token,
      query: { datasourceId: first },
    });
    const removed = await api.request('DELETE', `${base()}/records/${records.body.items[0].id}`, {
      token: crew.editor.token,
    });
    expect(removed.status).toBe(204);
    expect(await resultCount(scheme.id)).toEqual({ n: 4, records: 4 });
    expect((await api.request('DELETE', `${base()}/datasources/${first}`, { token: crew.editor.token })).status).toBe(
      204,
    );
    expect(await resultCount(scheme.id)).toEqual({ n: 2, records: 2 });
    expect(
      (await api.request('DELETE', `${base()}/classification-schemes/${scheme.id}`, { token: crew.editor.token }))
        .status,
    ).toBe(204);
    expect(await resultCount(scheme.id)).toEqual({ n: 0, records: 0 });
  });

  it('classifies an upload once it is ingested when it names a scheme (the job chain)', async () => {
    const scheme = await createScheme({ name: 'Chained', examples: topicTexts(10, 808) });
    const unknown = await api.request('POST', `${base()}/datasources`, {
      token: crew.editor.token,
      body: { type: 'text', text: 'pump leak\ncell culture', classifySchemeId: '0b4a5f1e-5f0e-4c59-9a53-0d8d2c0f1a11' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('CLASSIFICATION_SCHEME_NOT_FOUND');

    const truth = topicTexts(10, 909);
    const created = await api.request('POST', `${base()}/datasources`, {
      token: crew.editor.token,
      body: { type: 'text', text: truth.map((t) => t.text).join('\n'), classifySchemeId: scheme.id },
    });
    expect(created.status).toBe(201);
    expect(created.body.classifySchemeId).toBe(scheme.id);
    expect((await finished(created.body.lastJobId)).status).toBe('succeeded');
    let chained: any;
    const deadline = Date.now() + 10_000;
    while (!chained) {
      const list = await api.request('GET', `${base()}/classification-jobs`, {
        token: crew.viewer.token,
        query: { pageSize: 100 },
      });
      chained = list.body.items.find((j: any) => j.input.ingestionJobId === created.body.lastJobId);
      if (!chained && Date.now() > deadline) throw new Error('no classification job was chained');
      if (!chained) await new Promise((r) => setTimeout(r, 50));
    }
    expect(chained).toMatchObject({
      input: { schemeId: scheme.id, schemeVersion: 1, datasourceIds: [created.body.id] },
      createdBy: crew.editor.id,
    });
    const done = await finished(chained.id);
    expect(done.counts).toMatchObject({ total: 30, processed: 30, inserted: 30 });
    expect(await resultCount(scheme.id)).toEqual({ n: 30, records: 30 });
    // one chained job per ingestion job
    const all = await api.request('GET', `${base()}/classification-jobs`, {
      token: crew.viewer.token,
      query: { pageSize: 100 },
    });
    expect(all.body.items.filter((j: any) => j.input.ingestionJobId === created.body.lastJobId)).toHaveLength(1);
  });

  it('fails a job whose provider refuses it, naming the endpoint and the status', async () => {
    const datasourceId = await textSource(['one line about a pump', 'another about a cell culture']);
    const scheme = await createScheme({
      name: 'Refused',
      provider: { type: 'http', endpoint: llm.url, model: 'tiny', apiKey: 'sk-wrong-000000' },
    });
    llm.next({ status: 401, body: '{"error":{"message":"invalid key sk-wrong-000000"}}' });
    const done = await finished((await startJob({ schemeId: scheme.id, datasourceIds: [datasourceId] })).id);
    expect(done.status).toBe('failed');
    expect(done.attempts).toBe(1);
    expect(done.error).toBe(
      `Classification endpoint ${llm.url}/chat/completions failed: HTTP 401: invalid key [redacted]`,
    );
    expect(await resultCount(scheme.id)).toEqual({ n: 0, records: 0 });
  });
});
