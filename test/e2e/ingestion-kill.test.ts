import { waitFor } from '../support/built-app';
import { BuiltStack } from '../support/built-stack';

const ROWS = 50_000;

/**
 * A 50,000-row CSV uploaded to the built api and ingested by the built worker, which is killed
 * (SIGKILL) while it writes records: BullMQ hands the job to the restarted worker, which resumes after
 * the last batch committed, and the data source ends with exactly one record per row.
 */
describe('ingestion, end to end (built api and worker)', () => {
  let stack: BuiltStack;
  const http = (...args: Parameters<BuiltStack['http']>) => stack.http(...args);

  beforeAll(async () => {
    stack = await BuiltStack.start({ storage: true, env: { INGEST_BATCH_SIZE: '1000' } });
  });
  afterAll(() => stack?.close());

  it('stores exactly one record per row when the worker is killed in the middle of the ingestion', async () => {
    const workspaceId = (
      await http('POST', '/api/v1/workspaces', JSON.stringify({ name: 'Ingest' }), 'application/json')
    ).body.id;
    const rows = Array.from({ length: ROWS }, (_, i) => `${i},"sample ${i}, measured",${i % 13}`);
    const form = new FormData();
    form.append('name', 'fifty thousand rows');
    form.append('file', new Blob([`id,text,plate\n${rows.join('\n')}\n`], { type: 'text/csv' }), 'rows.csv');
    const created = await http('POST', `/api/v1/workspaces/${workspaceId}/datasources`, form);
    expect(created.status).toBe(201);
    const datasourceId = created.body.id;
    const jobPath = created.body.links.job as string;

    let seen: any;
    await waitFor(
      async () => {
        seen = (await http('GET', jobPath)).body;
        return seen.status === 'running' && seen.counts.inserted > 0;
      },
      30_000,
      'the ingestion to be under way',
    );
    stack.worker.child.kill('SIGKILL');
    await stack.worker.exited;
    const stored = async () =>
      Number(
        (await stack.pg.query(`SELECT count(*) AS n FROM records WHERE datasource_id = $1`, [datasourceId])).rows[0].n,
      );
    const partial = await stored();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(ROWS);

    // BullMQ finds the job's lock expired and hands it to the new worker: a second attempt, resumed.
    await stack.startWorker();
    let job: any;
    await waitFor(
      async () => {
        job = (await http('GET', jobPath)).body;
        return job.status === 'succeeded';
      },
      60_000,
      'the ingestion to finish after the restart',
    );
    expect(job.attempts).toBe(2);
    expect(job.errorCount).toBe(0);
    expect(job.counts).toMatchObject({ total: ROWS, processed: ROWS, succeeded: ROWS, failed: 0 });
    expect(job.result.records).toBe(ROWS);
    expect(job.result.inserted + job.result.existing).toBe(ROWS);
    expect(job.result.existing).toBeGreaterThanOrEqual(partial);
    const { rows: check } = await stack.pg.query(
      `SELECT count(*)::int AS n, count(DISTINCT position)::int AS positions, min(position)::int AS first,
              max(position)::int AS last, count(DISTINCT text)::int AS texts
         FROM records WHERE datasource_id = $1`,
      [datasourceId],
    );
    // positions are line numbers: the header is line 1
    expect(check[0]).toEqual({ n: ROWS, positions: ROWS, first: 2, last: ROWS + 1, texts: ROWS });
    const datasource = await http('GET', `/api/v1/workspaces/${workspaceId}/datasources/${datasourceId}`);
    expect(datasource.body).toMatchObject({ status: 'ingested', counts: { records: ROWS, errors: 0 } });
  });
});
