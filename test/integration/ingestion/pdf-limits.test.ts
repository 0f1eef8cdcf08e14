import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { IngestionService, JobRunner, JobsService } from '../../../libs/domain/src';
import { multipartBody } from '../../support/multipart';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

const MAX_PAGES = 120;

async function pdfOf(pages: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) doc.addPage([200, 200]).drawText(`Page ${i} of the log`, { x: 20, y: 100, font });
  return Buffer.from(await doc.save());
}

/** Long PDFs: a page limit, and a cancel that stops the extraction at the next page. */
describe('PDF page limit and cancellation', () => {
  let api: TestApi;
  let crew: WorkspaceCrew;
  let storageDir: string;
  const env = () => ({ STORAGE_URL: `file://${storageDir}`, INGEST_PDF_MAX_PAGES: String(MAX_PAGES) });
  const base = () => `/api/v1/workspaces/${crew.workspaceId}`;

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-storage-'));
    api = await startTestApi(env());
    crew = await createWorkspaceCrew(api);
  });
  afterAll(async () => {
    await api?.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  const upload = async (pdf: Buffer, filename: string) => {
    const { payload, headers } = await multipartBody({}, { content: pdf, filename, type: 'application/pdf' });
    const res = await api.request('POST', `${base()}/datasources`, { token: crew.editor.token, payload, headers });
    expect(res.status).toBe(201);
    return res.body as { id: string; lastJobId: string };
  };
  const job = async (id: string) =>
    (await api.request('GET', `${base()}/jobs/${id}`, { token: crew.viewer.token })).body;
  const recordCount = async (datasourceId: string) =>
    (await api.request('GET', `${base()}/records`, { token: crew.viewer.token, query: { datasourceId } })).body.total;

  it('stops extracting at the page after a cancel, writing nothing (a batch holds 5000 pages)', async () => {
    const pages = MAX_PAGES;
    const datasource = await upload(await pdfOf(pages), 'long-log.pdf');
    const cancelAt = 10;
    let cancelled = false;
    // The run as the worker does it (JobRunner, the real cancel path through the database); the cancel
    // is asked for once page `cancelAt` was processed, so "how far it got" depends on no clock.
    const run = await api.app
      .get(JobRunner, { strict: false })
      .run(
        { workspaceId: crew.workspaceId, jobId: datasource.lastJobId },
        { number: 1, max: 1 },
        new AbortController().signal,
        (context) =>
          api.app.get(IngestionService, { strict: false }).run({
            ...context,
            progress: async (fraction, counts) => {
              await context.progress(fraction, counts);
              if (!cancelled && (counts.processed ?? 0) >= cancelAt) {
                cancelled = true;
                await api.app
                  .get(JobsService, { strict: false })
                  .cancel(
                    { workspaceId: crew.workspaceId, userId: crew.editor.id, role: 'editor' },
                    datasource.lastJobId,
                    { userId: crew.editor.id },
                  );
              }
            },
          }),
      );
    expect(run.outcome).toBe('cancelled');
    const ended = await job(datasource.lastJobId);
    expect(ended.status).toBe('cancelled');
    // checked before each page: the one in hand when the cancel came is the last
    expect(ended.counts.processed).toBeGreaterThanOrEqual(cancelAt);
    expect(ended.counts.processed).toBeLessThanOrEqual(cancelAt + 1);
    expect(await recordCount(datasource.id)).toBe(0);
  });

  it(`fails a PDF of more than INGEST_PDF_MAX_PAGES pages, naming the limit, before reading a page`, async () => {
    const datasource = await upload(await pdfOf(MAX_PAGES + 1), 'too-long.pdf');
    const worker = await startTestWorker(api, env());
    try {
      let ended: any;
      for (let i = 0; i < 400; i++) {
        ended = await job(datasource.lastJobId);
        if (['succeeded', 'failed', 'cancelled'].includes(ended.status)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(ended.status).toBe('failed');
      expect(ended.counts.processed ?? 0).toBe(0);
      expect(ended.error).toContain(
        `the PDF has ${MAX_PAGES + 1} pages, more than INGEST_PDF_MAX_PAGES (${MAX_PAGES})`,
      );
      expect(await recordCount(datasource.id)).toBe(0);
    } finally {
      await worker.close();
    }
  });
});
