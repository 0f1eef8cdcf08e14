import { INestApplicationContext } from '@nestjs/common';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

const MAX_BYTES = 20_000;
const MAX_POINTS = 60;
const HOUR = 3_600_000;

/** REST telemetry backfill: row-level validation, dry runs, limits, and the job that stores the rest. */
describe('telemetry backfill', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let instrumentId: string;
  const t0 = Math.floor((Date.now() - 48 * HOUR) / HOUR) * HOUR;
  const iso = (ms: number) => new Date(ms).toISOString();
  const url = (id = instrumentId) => `/api/v1/workspaces/${crew.workspaceId}/instruments/${id}/telemetry`;

  beforeAll(async () => {
    api = await startTestApi({
      TELEMETRY_BACKFILL_MAX_BYTES: String(MAX_BYTES),
      TELEMETRY_BACKFILL_MAX_POINTS: String(MAX_POINTS),
    });
    worker = await startTestWorker(api);
    crew = await createWorkspaceCrew(api);
    instrumentId = (await createInstrument(api, crew.owner, crew.workspaceId)).id;
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  const postJson = (body: unknown, query: Record<string, string> = {}, token = crew.editor.token) =>
    api.request('POST', url(), { token, body, query });
  const postCsv = (csv: string, query: Record<string, string> = {}, id = instrumentId) =>
    api.request('POST', url(id), {
      token: crew.editor.token,
      payload: csv,
      headers: { 'content-type': 'text/csv; charset=utf-8' },
      query,
    });

  /** Polls the job until it is finished (or fails the test after 10 s). */
  const finished = async (location: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const res = await api.request('GET', location, { token: crew.viewer.token });
      expect(res.status).toBe(200);
      if (['succeeded', 'failed', 'cancelled'].includes(res.body.status)) return res.body;
      if (Date.now() > deadline) throw new Error(`job still ${res.body.status}: ${JSON.stringify(res.body)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const stored = async (metric: string) => {
    const res = await api.request('GET', url(), {
      token: crew.viewer.token,
      query: { from: iso(t0 - 30 * 86_400_000), to: iso(Date.now() + 60_000), metrics: metric, limit: 1000 },
    });
    expect(res.status).toBe(200);
    return res.body.items.map((p: any) => [p.time, p.value, p.tags]);
  };

  it('stores the valid rows of a JSON upload and reports the others by array index', async () => {
    const res = await postJson([
      { ts: t0, values: { jph: 7.1, jtemp: 20 }, tags: { probe: 'a' } },
      { ts: 'yesterday', values: { jph: 7.2 } },
      { ts: iso(t0 + 60_000), values: { jph: '7.3', jtemp: 21 } },
      { ts: iso(t0 + 120_000), values: { jph: 7.4 }, unit: 'pH' },
      { ts: Date.now() + 86_400_000, values: { jph: 7.5 } },
      { ts: iso(t0), values: { jph: 9.9 } },
      'not an entry',
      { ts: t0 + 180_000, values: { jph: 7.6 }, tags: ['x'] },
    ]);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ kind: 'telemetry.backfill', status: 'queued', attempts: 0, progress: 0 });
    expect(res.headers.location).toBe(`/api/v1/workspaces/${crew.workspaceId}/jobs/${res.body.id}`);
    expect(res.body.links).toEqual({ self: res.headers.location, events: `${res.headers.location}/events` });
    const expectedErrors = [
      { row: 1, field: 'ts', message: expect.stringContaining('not a time') },
      { row: 2, field: 'values.jph', message: 'not a number' },
      { row: 3, field: 'unit', message: expect.stringContaining('unknown field') },
      { row: 4, field: 'ts', message: expect.stringContaining('outside the storable time window') },
      { row: 5, field: 'values.jph', message: 'same metric and time as row 0' },
      { row: 6, message: expect.stringContaining('expected an object') },
      { row: 7, field: 'tags', message: 'tags must be a JSON object' },
    ];
    expect(res.body.errors).toEqual(expectedErrors);
    expect(res.body.errorCount).toBe(7);
    expect(res.body.counts).toMatchObject({ total: 10, failed: 7, processed: 7, succeeded: 0 });

    const job = await finished(res.headers.location as string);
    expect(job).toMatchObject({ status: 'succeeded', progress: 1, attempts: 1, error: null, errorCount: 7 });
    expect(job.counts).toEqual({ total: 10, processed: 10, succeeded: 3, failed: 7, inserted: 3, duplicates: 0 });
    expect(job.result).toEqual({ inserted: 3, duplicates: 0, rejected: 0 });
    expect(job.errors).toEqual(expectedErrors);
    expect(job.startedAt).not.toBeNull();
    expect(job.finishedAt).not.toBeNull();
    expect(await stored('jph')).toEqual([[iso(t0), 7.1, { probe: 'a' }]]);
    expect(await stored('jtemp')).toEqual([
      [iso(t0), 20, { probe: 'a' }],
      [iso(t0 + 60_000), 21, null],
    ]);
  });

  it('stores the valid lines of a CSV upload and reports the others by line number', async () => {
    const csv = [
      'Time,Metric,Value,Tags', // 1: header, any case
      `${iso(t0)},cph,7.1,"{""probe"":""b""}"`, // 2
      `${t0 + 60_000},cph,7.2,`, // 3: epoch milliseconds
      '', // 4: empty, skipped
      `${iso(t0 + 120_000)},cph,NaN`, // 5
      `2026-13-45,cph,7.3`, // 6
      `${iso(t0 + 180_000)},cph,`, // 7
      `${iso(t0 + 240_000)},cph,7.4,"{""multi"":`, // 8-9: a quoted field over two lines
      `""line""}"`,
      `${iso(t0 + 300_000)},cph,7.5,{not json}`, // 10
      `${iso(t0 + 360_000)},cph,7.6,,extra`, // 11
      `${iso(t0 + 420_000)},cph,1e999`, // 12
    ].join('\r\n');
    const res = await postCsv(csv);
    expect(res.status).toBe(202);
    const errors = [
      { row: 5, field: 'value', message: 'not a number' },
      { row: 6, field: 'time', message: expect.stringContaining('not a time') },
      { row: 7, field: 'value', message: 'missing' },
      { row: 10, field: 'tags', message: expect.stringContaining('not JSON') },
      { row: 11, field: 'columns', message: 'unknown column: 5 fields, the header has 4' },
      { row: 12, field: 'value', message: 'not a finite number' },
    ];
    expect(res.body.errors).toEqual(errors);
    const job = await finished(res.headers.location as string);
    expect(job).toMatchObject({ status: 'succeeded', errors, errorCount: 6 });
    expect(job.counts).toMatchObject({ total: 9, succeeded: 3, failed: 6, inserted: 3 });
    expect(await stored('cph')).toEqual([
      [iso(t0), 7.1, { probe: 'b' }],
      [iso(t0 + 60_000), 7.2, null],
      [iso(t0 + 240_000), 7.4, { multi: 'line' }],
    ]);
  });

  it('stores a backfill sent twice once: the second job finds every reading already there', async () => {
    const body = Array.from({ length: 20 }, (_, i) => ({ ts: t0 + i * 1000, values: { twice: i } }));
    const first = await finished((await postJson(body)).headers.location as string);
    const second = await finished((await postJson(body)).headers.location as string);
    expect(first.result).toEqual({ inserted: 20, duplicates: 0, rejected: 0 });
    expect(second.result).toEqual({ inserted: 0, duplicates: 20, rejected: 0 });
    expect(second.counts).toMatchObject({ succeeded: 20, inserted: 0, duplicates: 20 });
    expect(await stored('twice')).toHaveLength(20);
  });

  it('validates without storing or creating a job on dryRun', async () => {
    const jobsBefore = await api.request('GET', `/api/v1/workspaces/${crew.workspaceId}/jobs`, {
      token: crew.viewer.token,
    });
    const res = await postJson(
      [
        { ts: t0, values: { dry: 1, dry2: 2 } },
        { ts: 'soon', values: { dry: 3 } },
        { ts: t0 + 1000, values: { dry: 4 } },
      ],
      { dryRun: 'true' },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      instrumentId,
      format: 'json',
      total: 4,
      valid: 3,
      invalid: 1,
      errors: [{ row: 1, field: 'ts', message: expect.stringContaining('not a time') }],
      errorCount: 1,
      metrics: ['dry', 'dry2'],
      from: iso(t0),
      to: iso(t0 + 1000),
    });
    const csv = await postCsv(`time,metric,value\n${iso(t0)},dry,1\n`, { dryRun: 'true' });
    expect(csv.status).toBe(200);
    expect(csv.body).toMatchObject({ format: 'csv', total: 1, valid: 1, errorCount: 0 });
    expect(await stored('dry')).toEqual([]);
    const jobsAfter = await api.request('GET', `/api/v1/workspaces/${crew.workspaceId}/jobs`, {
      token: crew.viewer.token,
    });
    expect(jobsAfter.body.total).toBe(jobsBefore.body.total);
  });

  it('answers 413 naming the limit for a body over TELEMETRY_BACKFILL_MAX_BYTES, on this route only', async () => {
    const big = `time,metric,value\n${`${iso(t0)},big,1\n`.repeat(Math.ceil(MAX_BYTES / 25))}`;
    expect(Buffer.byteLength(big)).toBeGreaterThan(MAX_BYTES);
    const res = await postCsv(big);
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limitBytes: MAX_BYTES });
    expect(res.body.detail).toContain(String(MAX_BYTES));
    // the api's own limit (1 MiB) still applies elsewhere, and this route's applies to JSON too
    const json = await postJson([{ ts: t0, values: { big: 1 }, tags: { pad: 'x'.repeat(MAX_BYTES) } }]);
    expect(json.status).toBe(413);
    expect(json.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limitBytes: MAX_BYTES });
    const elsewhere = await api.request('POST', `/api/v1/workspaces/${crew.workspaceId}/locations`, {
      token: crew.editor.token,
      body: { name: 'Big room', description: 'x'.repeat(MAX_BYTES * 2) },
    });
    expect(elsewhere.status).not.toBe(413);
  });

  it('answers 413 naming the limit for more than TELEMETRY_BACKFILL_MAX_POINTS readings', async () => {
    const values = Object.fromEntries(Array.from({ length: MAX_POINTS + 1 }, (_, i) => [`m${i}`, i]));
    const json = await postJson({ ts: t0, values });
    expect(json.status).toBe(413);
    expect(json.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limitPoints: MAX_POINTS });
    expect(json.body.detail).toContain(String(MAX_POINTS));
    const lines = Array.from({ length: MAX_POINTS + 1 }, (_, i) => `${t0 + i},many,${i}`);
    const csv = await postCsv(`time,metric,value\n${lines.join('\n')}\n`);
    expect(csv.status).toBe(413);
    expect(csv.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limitPoints: MAX_POINTS });
    // exactly the limit is fine
    const ok = await postCsv(`time,metric,value\n${lines.slice(0, MAX_POINTS).join('\n')}\n`, { dryRun: 'true' });
    expect(ok.status).toBe(200);
    expect(ok.body.valid).toBe(MAX_POINTS);
  });

  it('refuses uploads with nothing to store, bad CSV headers, viewers, outsiders and CSV elsewhere', async () => {
    const allBad = await postJson([{ ts: 'never', values: { x: 1 } }]);
    expect(allBad.status).toBe(400);
    expect(allBad.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'row 0 ts' }] });
    const header = await postCsv(`time,metric,val,unit\n${iso(t0)},x,1,C\n`);
    expect(header.status).toBe(400);
    expect(header.body.detail).toMatch(/unknown column "val".*unknown column "unit".*missing column "value"/);
    expect((await postJson(42)).status).toBe(400);
    expect((await postJson([])).status).toBe(400);

    const viewer = await postJson([{ ts: t0, values: { x: 1 } }], {}, crew.viewer.token);
    expect(viewer.status).toBe(403);
    const outsider = await postJson([{ ts: t0, values: { x: 1 } }], {}, crew.outsider.token);
    expect(outsider.status).toBe(404);
    const unknown = await postCsv(`time,metric,value\n${iso(t0)},x,1\n`, {}, '00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('INSTRUMENT_NOT_FOUND');
    const csvElsewhere = await api.request('POST', `/api/v1/workspaces/${crew.workspaceId}/locations`, {
      token: crew.editor.token,
      payload: 'name\nRoom',
      headers: { 'content-type': 'text/csv' },
    });
    expect(csvElsewhere.status).toBe(415);
    expect(csvElsewhere.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});
