import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { waitFor } from '../support/built-app';
import { BuiltStack } from '../support/built-stack';

const RECORDS = 50_000;

const documentOf = (lines: unknown[]) => gzipSync(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');

/**
 * An export document of 50,000 records imported by the built worker, which is killed (SIGKILL)
 * while it writes them: BullMQ hands the job to the restarted worker, whose run finds through the
 * import ledger what the dead run wrote, and the workspace ends with exactly one copy of everything.
 */
describe('import, end to end (built api and worker)', () => {
  let stack: BuiltStack;
  const http = (...args: Parameters<BuiltStack['http']>) => stack.http(...args);

  beforeAll(async () => {
    stack = await BuiltStack.start({ storage: true });
  });
  afterAll(() => stack?.close());

  it('ends with exactly one copy when the worker is killed in the middle of the import', async () => {
    const workspaceId = (
      await http('POST', '/api/v1/workspaces', JSON.stringify({ name: 'Import' }), 'application/json')
    ).body.id;
    const file = Buffer.from('one\ntwo\n');
    const lines: unknown[] = [
      { format: 'labwire.export', version: 1, exportedAt: new Date().toISOString(), include: ['datasources'] },
      { type: 'location', data: { id: 'loc-1', name: 'Cold room', description: null, address: null } },
      {
        type: 'instrument',
        data: {
          id: 'ins-1',
          locationId: 'loc-1',
          name: 'Fridge',
          serialNumber: 'FR-1',
          status: 'active',
          capabilities: {},
        },
      },
      {
        type: 'datasource',
        data: {
          id: 'ds-1',
          name: 'Big',
          type: 'text',
          size: file.length,
          checksum: createHash('sha256').update(file).digest('hex'),
          options: { split: 'line' },
        },
      },
      { type: 'datasource-file', data: { datasourceId: 'ds-1', seq: 0, data: file.toString('base64') } },
    ];
    for (let i = 0; i < RECORDS; i++) {
      lines.push({
        type: 'record',
        data: {
          id: `r${i}`,
          datasourceId: 'ds-1',
          position: i,
          text: `sample ${i}`,
          metadata: { i },
          contentHash: `h${i}`,
        },
      });
    }
    const form = new FormData();
    form.append('file', new Blob([documentOf(lines)], { type: 'application/gzip' }), 'export.ndjson.gz');
    const started = await http('POST', `/api/v1/workspaces/${workspaceId}/import`, form);
    expect(started.status).toBe(202);
    const jobPath = `/api/v1/workspaces/${workspaceId}/jobs/${started.body.id}`;

    await waitFor(
      async () => {
        const seen = (await http('GET', jobPath)).body;
        return seen.status === 'running' && (seen.counts.written ?? 0) > 0;
      },
      60_000,
      'the import to be writing',
    );
    stack.worker.child.kill('SIGKILL');
    await stack.worker.exited;
    const count = async (table: string) =>
      (await stack.pg.query(`SELECT count(*)::int AS n FROM ${table} WHERE workspace_id = $1`, [workspaceId])).rows[0]
        .n;
    const partial = await count('records');
    expect(partial).toBeLessThan(RECORDS);

    await stack.startWorker();
    let job: any;
    await waitFor(
      async () => {
        job = (await http('GET', jobPath)).body;
        return job.status === 'succeeded';
      },
      120_000,
      'the import to finish after the restart',
    );
    expect(job.attempts).toBe(2);
    expect([await count('locations'), await count('instruments'), await count('datasources')]).toEqual([1, 1, 1]);
    const { rows } = await stack.pg.query(
      `SELECT count(*)::int AS n, count(DISTINCT position)::int AS positions FROM records WHERE workspace_id = $1`,
      [workspaceId],
    );
    expect(rows[0]).toEqual({ n: RECORDS, positions: RECORDS });
    const datasources = await http('GET', `/api/v1/workspaces/${workspaceId}/datasources`);
    expect(datasources.body.items[0]).toMatchObject({ status: 'ingested', counts: { records: RECORDS } });
    expect(job.result.instrumentsWithoutCredentials).toEqual([expect.objectContaining({ serialNumber: 'FR-1' })]);
  });
});
