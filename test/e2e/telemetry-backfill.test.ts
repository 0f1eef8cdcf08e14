import { waitFor } from '../support/built-app';
import { BuiltStack } from '../support/built-stack';

const POINTS = 50_000;

/**
 * A large backfill through the built api and worker, with the worker killed (SIGKILL) while the job
 * is writing: BullMQ hands the job to the restarted worker, which runs it again from the start, and
 * every reading ends up stored exactly once.
 */
describe('telemetry backfill, end to end (built api and worker)', () => {
  let stack: BuiltStack;
  const http = (...args: Parameters<BuiltStack['http']>) => stack.http(...args);

  beforeAll(async () => {
    stack = await BuiltStack.start();
  });
  afterAll(() => stack?.close());

  it('stores every reading exactly once when the worker is killed in the middle of the job', async () => {
    const workspaceId = (await http('POST', '/api/v1/workspaces', JSON.stringify({ name: 'Backfill' }))).body.id;
    const instrument = await http(
      'POST',
      `/api/v1/workspaces/${workspaceId}/instruments`,
      JSON.stringify({ name: 'Logger', serialNumber: 'LG-1' }),
    );
    expect(instrument.status).toBe(201);
    const t0 = Date.now() - 2 * 86_400_000;
    const lines = Array.from({ length: POINTS }, (_, i) => `${t0 + i * 1000},level,${i}`);
    const created = await http(
      'POST',
      `/api/v1/workspaces/${workspaceId}/instruments/${instrument.body.id}/telemetry`,
      `time,metric,value\n${lines.join('\n')}\n`,
      'text/csv',
    );
    expect(created.status).toBe(202);
    const location = created.headers.get('location') as string;

    // Kill the worker once the job has written some chunks but not all of them.
    let seen: any;
    await waitFor(
      async () => {
        seen = (await http('GET', location)).body;
        return seen.status === 'running' && seen.counts.inserted > 0;
      },
      20_000,
      'the backfill to be under way',
    );
    stack.worker.child.kill('SIGKILL');
    await stack.worker.exited;
    const stored = async () =>
      Number(
        (await stack.pg.query(`SELECT count(*) AS n FROM telemetry WHERE instrument_id = $1`, [instrument.body.id]))
          .rows[0].n,
      );
    const partial = await stored();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(POINTS);

    // BullMQ finds the job's lock expired and hands it to the new worker: a second attempt.
    await stack.startWorker();
    let job: any;
    await waitFor(
      async () => {
        job = (await http('GET', location)).body;
        return job.status === 'succeeded';
      },
      45_000,
      'the backfill to finish after the restart',
    );
    expect(job.attempts).toBe(2);
    expect(job.counts).toMatchObject({ total: POINTS, processed: POINTS, succeeded: POINTS, failed: 0 });
    expect(job.result.inserted + job.result.duplicates).toBe(POINTS);
    // At least what was stored when the worker died: a statement already sent may still commit after
    // the kill (batches are autocommit statements), and then counts as a duplicate on the retry.
    expect(job.result.duplicates).toBeGreaterThanOrEqual(partial);
    expect(await stored()).toBe(POINTS);
    const { rows } = await stack.pg.query(
      `SELECT count(DISTINCT "time") AS times, min(value) AS lo, max(value) AS hi FROM telemetry WHERE instrument_id = $1`,
      [instrument.body.id],
    );
    expect(rows[0]).toEqual({ times: String(POINTS), lo: 0, hi: POINTS - 1 });
  });
});
