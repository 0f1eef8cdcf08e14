import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { multipartBody } from '../../support/multipart';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

const MAX_BYTES = 200_000;

/** Every file under a directory, recursively (what the storage holds). */
function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

/** Data sources end to end in one process: uploads, type and size checks, ingestion jobs, records. */
describe('data sources and ingestion', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let storageDir: string;
  const base = () => `/api/v1/workspaces/${crew.workspaceId}`;

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-storage-'));
    const env = { STORAGE_URL: `file://${storageDir}`, DATASOURCE_MAX_BYTES: String(MAX_BYTES) };
    api = await startTestApi(env);
    worker = await startTestWorker(api, env);
    crew = await createWorkspaceCrew(api);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  const upload = async (
    file: { content: Buffer | string; filename: string; type?: string },
    fields: Record<string, string> = {},
    token = crew.editor.token,
  ) => {
    const { payload, headers } = await multipartBody(fields, file);
    return api.request('POST', `${base()}/datasources`, { token, payload, headers });
  };

  /** Polls a job until it has finished (or fails the test after 15 s). */
  const finished = async (jobId: string) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await api.request('GET', `${base()}/jobs/${jobId}`, { token: crew.viewer.token });
      expect(res.status).toBe(200);
      if (['succeeded', 'failed', 'cancelled'].includes(res.body.status)) return res.body;
      if (Date.now() > deadline) throw new Error(`job still ${res.body.status}: ${JSON.stringify(res.body)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const records = async (query: Record<string, string | number>) => {
    const res = await api.request('GET', `${base()}/records`, { token: crew.viewer.token, query });
    expect(res.status).toBe(200);
    return res.body;
  };

  it('ingests a CSV with a BOM, quoted line breaks, a detected delimiter and bad rows kept by line', async () => {
    const csv =
      '\uFEFFsample;text;operator\r\n' + // 1: header (BOM, CRLF)
      'S-1;"pH drifted; buffer replaced";kim\r\n' + // 2: delimiter inside quotes
      'S-2;"first line\r\nsecond line";lee\r\n' + // 3-4: a quoted line break
      'S-3;only two fields\r\n' + // 5: too few fields
      '\r\n' + // 6: empty, skipped
      'S-4;"Centrifuge ""B"" calibrated";kim\r\n' + // 7
      'S-5;;ana\r\n' + // 8: no text
      'S-6;"stray "quote" here";kim\r\n' + // 9: malformed
      'S-7;Sample frozen at -80;lee\r\n' + // 10
      Array.from({ length: 40 }, (_, i) => `S-${100 + i};routine check ${i};kim\r\n`).join(''); // 11-50
    const res = await upload({ content: csv, filename: 'samples.csv', type: 'text/csv' });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`${base()}/datasources/${res.body.id}`);
    expect(res.body).toMatchObject({
      name: 'samples.csv',
      type: 'csv',
      size: Buffer.byteLength(csv),
      status: expect.stringMatching(/pending|ingesting/),
      options: { delimiter: ';' },
      links: { job: `${base()}/jobs/${res.body.lastJobId}` },
    });
    expect(res.body.checksum).toMatch(/^[0-9a-f]{64}$/);

    const job = await finished(res.body.lastJobId);
    expect(job).toMatchObject({ kind: 'ingestion.run', status: 'succeeded', progress: 1, attempts: 1, errorCount: 3 });
    expect(job.errors).toEqual([
      { row: 5, field: 'columns', message: '2 fields, the header has 3' },
      { row: 8, field: 'text', message: 'no text' },
      { row: 9, message: expect.stringContaining('malformed CSV') },
    ]);
    expect(job.counts).toMatchObject({ total: 47, processed: 47, succeeded: 44, failed: 3, inserted: 44 });
    expect(job.result).toEqual({ records: 44, inserted: 44, existing: 0, failed: 3 });

    const ds = await api.request('GET', `${base()}/datasources/${res.body.id}`, { token: crew.viewer.token });
    expect(ds.body).toMatchObject({ status: 'ingested', counts: { records: 44, errors: 3 } });

    const page = await records({ datasourceId: res.body.id, pageSize: 5 });
    expect(page).toMatchObject({ total: 44, page: 1, pageSize: 5, totalPages: 9 });
    expect(page.items.map((r: any) => [r.position, r.text, r.metadata])).toEqual([
      [2, 'pH drifted; buffer replaced', { sample: 'S-1', operator: 'kim' }],
      [3, 'first line\nsecond line', { sample: 'S-2', operator: 'lee' }],
      [7, 'Centrifuge "B" calibrated', { sample: 'S-4', operator: 'kim' }],
      [10, 'Sample frozen at -80', { sample: 'S-7', operator: 'lee' }],
      [11, 'routine check 0', { sample: 'S-100', operator: 'kim' }],
    ]);
    expect(page.items[0].contentHash).toMatch(/^[0-9a-f]{64}$/);

    // full-text search, metadata equality, and both
    const search = await records({ q: 'centrifuge calibrated' });
    expect(search.items.map((r: any) => r.position)).toEqual([7]);
    expect((await records({ q: '"second line"' })).total).toBe(1);
    expect((await records({ q: 'routine -check' })).total).toBe(0);
    expect((await records({ metadataKey: 'operator', metadataValue: 'lee' })).total).toBe(2);
    expect((await records({ q: 'frozen', metadataKey: 'operator', metadataValue: 'kim' })).total).toBe(0);
    const bad = await api.request('GET', `${base()}/records`, {
      token: crew.viewer.token,
      query: { metadataKey: 'operator' },
    });
    expect(bad.status).toBe(400);

    // get and delete one record (editors only), counts follow
    const one = await api.request('GET', `${base()}/records/${search.items[0].id}`, { token: crew.viewer.token });
    expect(one.body).toMatchObject({ id: search.items[0].id, datasourceId: res.body.id, position: 7 });
    const byViewer = await api.request('DELETE', `${base()}/records/${one.body.id}`, { token: crew.viewer.token });
    expect(byViewer.status).toBe(403);
    const del = await api.request('DELETE', `${base()}/records/${one.body.id}`, { token: crew.editor.token });
    expect(del.status).toBe(204);
    expect((await api.request('GET', `${base()}/records/${one.body.id}`, { token: crew.viewer.token })).status).toBe(
      404,
    );
    const after = await api.request('GET', `${base()}/datasources/${res.body.id}`, { token: crew.viewer.token });
    expect(after.body.counts.records).toBe(43);

    // exports stream the same filter as CSV and NDJSON
    const csvExport = await api.request('GET', `${base()}/records/export`, {
      token: crew.viewer.token,
      query: { format: 'csv', datasourceId: res.body.id, metadataKey: 'operator', metadataValue: 'lee' },
    });
    expect(csvExport.status).toBe(200);
    expect(csvExport.headers['content-type']).toMatch(/^text\/csv/);
    const lines = String(csvExport.body).split('\r\n');
    expect(lines[0]).toBe('id,datasourceId,position,text,metadata,contentHash,createdAt');
    expect(lines[1]).toContain(',3,"first line\nsecond line","{""sample"":""S-2"",""operator"":""lee""}",');
    expect(lines).toHaveLength(4); // header, two records, trailing empty
    // (raw: the test client would parse anything named json as one document)
    const ndjson = await api.app.inject({
      method: 'GET',
      url: `${base()}/records/export`,
      query: { format: 'ndjson', datasourceId: res.body.id },
      headers: { authorization: `Bearer ${crew.viewer.token}` },
    });
    expect(ndjson.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const exported = ndjson.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(exported).toHaveLength(43);
    expect(exported[0]).toMatchObject({ position: 2, text: 'pH drifted; buffer replaced' });
  });

  it('answers 200 with duplicateOf for the same content uploaded again, storing nothing new', async () => {
    const content = 'a,text\n1,duplicate check one\n2,duplicate check two\n';
    const first = await upload({ content, filename: 'first.csv' });
    expect(first.status).toBe(201);
    const filesBefore = filesUnder(storageDir).length;
    const again = await upload({ content, filename: 'second-name.csv' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, duplicateOf: first.body.id, name: 'first.csv' });
    expect(filesUnder(storageDir).length).toBe(filesBefore);
    await finished(first.body.lastJobId);
  });

  it('ingests NDJSON (a bad line kept by number) and JSON arrays', async () => {
    const lines = [
      JSON.stringify({ text: 'Incubator door left open', room: 'B2' }),
      '',
      '{"text": "broken',
      ...Array.from({ length: 12 }, (_, i) => JSON.stringify({ text: `titration ${i}`, run: i })),
      JSON.stringify('a bare string line'),
    ];
    const nd = await upload({ content: lines.join('\n') + '\n', filename: 'events.ndjson' });
    expect(nd.status).toBe(201);
    expect(nd.body.type).toBe('ndjson');
    const ndJob = await finished(nd.body.lastJobId);
    expect(ndJob.status).toBe('succeeded');
    expect(ndJob.errors).toEqual([{ row: 3, message: expect.stringMatching(/^not JSON/) }]);
    const ndRecords = await records({ datasourceId: nd.body.id, pageSize: 2 });
    expect(ndRecords.total).toBe(14);
    expect(ndRecords.items[0]).toMatchObject({
      position: 1,
      text: 'Incubator door left open',
      metadata: { room: 'B2' },
    });

    // ingesting it again adds nothing: every position is stored already
    const again = await api.request('POST', `${base()}/datasources/${nd.body.id}/ingestion`, {
      token: crew.editor.token,
    });
    expect(again.status).toBe(202);
    expect(again.body.id).not.toBe(nd.body.lastJobId);
    const rerun = await finished(again.body.id);
    expect(rerun).toMatchObject({ status: 'succeeded', result: { records: 14, inserted: 0, existing: 14, failed: 1 } });
    expect((await records({ datasourceId: nd.body.id })).total).toBe(14);
    const items = [
      { text: 'Pipette P200 serviced', lab: 'L1' },
      'plain string item',
      { value: 42, note: 'no text field' },
    ];
    const json = await upload({ content: JSON.stringify(items, null, 2), filename: 'items.json' });
    expect(json.status).toBe(201);
    expect(json.body.type).toBe('json');
    expect((await finished(json.body.lastJobId)).status).toBe('succeeded');
    const jsonRecords = await records({ datasourceId: json.body.id });
    expect(jsonRecords.items.map((r: any) => [r.position, r.text, r.metadata])).toEqual([
      [0, 'Pipette P200 serviced', { lab: 'L1' }],
      [1, 'plain string item', {}],
      [2, '{"value":42,"note":"no text field"}', { value: 42, note: 'no text field' }],
    ]);
  });

  it('fails an ingestion at once when the JSON breaks midway', async () => {
    const entries = Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `entry ${i}` }));
    const res = await upload({ content: `[${entries.join(',')}, {"text": "cut`, filename: 'broken.json' });
    expect(res.status).toBe(201);
    const job = await finished(res.body.lastJobId);
    expect(job).toMatchObject({ status: 'failed', attempts: 1 });
    expect(job.error).toMatch(/^the JSON is malformed/);
  });

  it('ingests a PDF page by page', async () => {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const pages = [
      'Standard operating procedure for the HPLC',
      'Column flushed with methanol after use',
      'Waste disposal log reviewed',
    ];
    for (const text of pages) doc.addPage().drawText(text, { x: 50, y: 700, size: 12, font });
    const pdf = Buffer.from(await doc.save());
    const res = await upload({ content: pdf, filename: 'sop.pdf', type: 'application/pdf' });
    expect(res.status).toBe(201);
    expect(res.body.type).toBe('pdf');
    const job = await finished(res.body.lastJobId);
    expect(job).toMatchObject({ status: 'succeeded', errorCount: 0 });
    const page = await records({ datasourceId: res.body.id });
    expect(page.items.map((r: any) => [r.position, r.text, r.metadata])).toEqual(
      pages.map((text, i) => [i + 1, text, { page: i + 1 }]),
    );
    expect((await records({ q: 'methanol' })).items.map((r: any) => r.position)).toEqual([2]);
  });

  it('takes text blocks by paragraph and validates JSON submissions', async () => {
    const text = 'First paragraph,\nstill the first.\n\n\nSecond paragraph.\n\nThird\n';
    const res = await api.request('POST', `${base()}/datasources`, {
      token: crew.editor.token,
      body: { type: 'text', text, split: 'paragraph', name: 'Notes' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ type: 'text', name: 'Notes', options: { split: 'paragraph' } });
    await finished(res.body.lastJobId);
    const page = await records({ datasourceId: res.body.id });
    expect(page.items.map((r: any) => [r.position, r.text])).toEqual([
      [1, 'First paragraph,\nstill the first.'],
      [5, 'Second paragraph.'],
      [7, 'Third'],
    ]);

    const badUrls = await api.request('POST', `${base()}/datasources`, {
      token: crew.editor.token,
      body: { type: 'urls', urls: ['https://example.org/a', 'ftp://example.org/b', 'not a url'] },
    });
    expect(badUrls.status).toBe(400);
    expect(badUrls.body.errors).toEqual([
      { field: 'urls[1]', message: 'not an http or https URL' },
      { field: 'urls[2]', message: 'not an http or https URL' },
    ]);
    const unknown = await api.request('POST', `${base()}/datasources`, {
      token: crew.editor.token,
      body: { type: 'text', text: 'x', workspaceId: crew.workspaceId },
    });
    expect(unknown.status).toBe(400);
    const viewer = await api.request('POST', `${base()}/datasources`, {
      token: crew.viewer.token,
      body: { type: 'text', text: 'viewers cannot add data' },
    });
    expect(viewer.status).toBe(403);
    const outsider = await api.request('GET', `${base()}/datasources`, { token: crew.outsider.token });
    expect(outsider.status).toBe(404);
  });

  it('answers 415 when the content is not what the upload declares, and for unknown binary data', async () => {
    const pdfAsCsv = await upload({ content: '%PDF-1.7\n%binary\n', filename: 'data.csv' });
    expect(pdfAsCsv.status).toBe(415);
    expect(pdfAsCsv.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(pdfAsCsv.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', declaredType: 'csv', detectedType: 'pdf' });
    const textAsPdf = await upload({ content: 'just some words', filename: 'report.pdf' });
    expect(textAsPdf.status).toBe(415);
    const jsonTypeButCsv = await upload({ content: 'a,b\n1,2\n', filename: 'x.txt' }, { type: 'json' });
    expect(jsonTypeButCsv.status).toBe(415);
    expect(jsonTypeButCsv.body.detail).toContain('the type field says json');
    const binary = await upload({
      content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 0xff, 0xfe]),
      filename: 'blob',
    });
    expect(binary.status).toBe(415);
    const rawCsv = await api.request('POST', `${base()}/datasources`, {
      token: crew.editor.token,
      payload: 'a,b\n1,2\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(rawCsv.status).toBe(415);
    const multipartElsewhere = await multipartBody({ name: 'Room' });
    const elsewhere = await api.request('POST', `${base()}/locations`, {
      token: crew.editor.token,
      payload: multipartElsewhere.payload,
      headers: multipartElsewhere.headers,
    });
    expect(elsewhere.status).toBe(415);
    const noFile = await upload({ content: 'x', filename: 'a.txt' }, {}, crew.editor.token).then(async () => {
      const { payload, headers } = await multipartBody({ name: 'no file' });
      return api.request('POST', `${base()}/datasources`, { token: crew.editor.token, payload, headers });
    });
    expect(noFile.status).toBe(400);
  });

  it('answers 413 naming the limit past DATASOURCE_MAX_BYTES, leaving no file and no data source', async () => {
    const before = (await api.request('GET', `${base()}/datasources`, { token: crew.viewer.token })).body.total;
    const filesBefore = filesUnder(storageDir).length;
    const big =
      'id,text\n' + Array.from({ length: 12_000 }, (_, i) => `${i},row number ${i} of the big file`).join('\n');
    expect(Buffer.byteLength(big)).toBeGreaterThan(MAX_BYTES);
    const res = await upload({ content: big, filename: 'big.csv' });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limitBytes: MAX_BYTES });
    expect(res.body.detail).toContain(String(MAX_BYTES));
    expect(filesUnder(storageDir).length).toBe(filesBefore);
    const after = (await api.request('GET', `${base()}/datasources`, { token: crew.viewer.token })).body.total;
    expect(after).toBe(before);
    // exactly at the limit is fine
    const exact = big.slice(0, big.lastIndexOf('\n', MAX_BYTES - 1) + 1).padEnd(MAX_BYTES, ' ');
    const ok = await upload({ content: exact, filename: 'exact.csv' });
    expect(ok.status).toBe(201);
    expect(ok.body.size).toBe(MAX_BYTES);
    await finished(ok.body.lastJobId);
  });

  it('fails an ingestion whose bad rows pass INGEST_MAX_ERROR_RATIO and keeps none of its records', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => (i % 4 === 0 ? `${i}` : `${i},fine row ${i}`));
    const res = await upload({ content: `id,text\n${rows.join('\n')}\n`, filename: 'mostly.csv' });
    const job = await finished(res.body.lastJobId);
    expect(job.status).toBe('failed');
    expect(job.attempts).toBe(1);
    expect(job.error).toContain('5 of 20 rows (25.0 %)');
    expect(job.errorCount).toBe(5);
    const ds = await api.request('GET', `${base()}/datasources/${res.body.id}`, { token: crew.viewer.token });
    expect(ds.body).toMatchObject({ status: 'failed', counts: { records: 0, errors: 5 } });
    expect((await records({ datasourceId: res.body.id })).total).toBe(0);
  });

  it('deletes a data source with its records and its stored file', async () => {
    const res = await upload({ content: 'text\nto be deleted one\nto be deleted two\n', filename: 'gone.csv' });
    await finished(res.body.lastJobId);
    expect((await records({ datasourceId: res.body.id })).total).toBe(2);
    const stored = join(storageDir, 'workspaces', crew.workspaceId, res.body.id);
    expect(filesUnder(storageDir)).toContain(stored);
    expect(
      (await api.request('DELETE', `${base()}/datasources/${res.body.id}`, { token: crew.viewer.token })).status,
    ).toBe(403);
    const del = await api.request('DELETE', `${base()}/datasources/${res.body.id}`, { token: crew.editor.token });
    expect(del.status).toBe(204);
    expect(filesUnder(storageDir)).not.toContain(stored);
    expect(
      (await api.request('GET', `${base()}/datasources/${res.body.id}`, { token: crew.viewer.token })).status,
    ).toBe(404);
    const gone = await api.request('GET', `${base()}/records`, {
      token: crew.viewer.token,
      query: { datasourceId: res.body.id },
    });
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('DATASOURCE_NOT_FOUND');
    const audit = await api.request('GET', `${base()}/audit-log`, {
      token: crew.owner.token,
      query: { entityType: 'datasource', entityId: res.body.id },
    });
    expect(audit.body.items.map((e: any) => e.action).sort()).toEqual(['create', 'delete']);
  });
});
