import { waitFor } from '../support/built-app';
import { BuiltStack } from '../support/built-stack';
import { topicTexts } from '../../bench/support/topic-texts';

const ROWS = 45_000; // 15,000 texts of each of the 3 topics

/**
 * A classification job over a 45,000-row data source in the built api and worker, with the worker
 * killed (SIGKILL) while it writes results: BullMQ hands the job to the restarted worker, which
 * resumes after the last page it committed, and every record ends with exactly one result.
 */
describe('classification, end to end (built api and worker)', () => {
  let stack: BuiltStack;
  const http = (...args: Parameters<BuiltStack['http']>) => stack.http(...args);

  beforeAll(async () => {
    stack = await BuiltStack.start({ storage: true, env: { CLASSIFY_PAGE_SIZE: '500' } });
  });
  afterAll(() => stack?.close());

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
    stack.worker.child.kill('SIGKILL');
    await stack.worker.exited;
    const results = async () =>
      (
        await stack.pg.query(
          `SELECT count(*)::int AS n, count(DISTINCT record_id)::int AS records FROM classification_results WHERE scheme_id = $1`,
          [scheme.body.id],
        )
      ).rows[0] as { n: number; records: number };
    const partial = await results();
    expect(partial.n).toBeGreaterThan(0);
    expect(partial.n).toBeLessThan(ROWS);
    expect(partial.records).toBe(partial.n);

    // BullMQ finds the job's lock expired and hands it to the new worker: a second attempt, resumed.
    await stack.startWorker();
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
    const { rows } = await stack.pg.query(
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
