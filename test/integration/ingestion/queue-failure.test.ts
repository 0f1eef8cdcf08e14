import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueName, QueueRegistry } from '../../../libs/queue/src';
import { startTestApi, TestApi } from '../../support/test-app';
import { createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/**
 * A data source whose ingestion job could not be queued is stored with that (failed) job, so it shows
 * as failed and the job can be retried; not left pending for ever with no job, which a repeated
 * upload of the same file would then answer as its duplicate.
 */
describe('a data source whose ingestion could not be queued', () => {
  let api: TestApi;
  let crew: WorkspaceCrew;
  let storageDir: string;
  const base = () => `/api/v1/workspaces/${crew.workspaceId}`;

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-storage-'));
    api = await startTestApi({ STORAGE_URL: `file://${storageDir}` });
    crew = await createWorkspaceCrew(api);
  });
  afterAll(async () => {
    await api?.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  it('is linked to its failed job, which a retry queues again', async () => {
    // Redis answers, but the queue's waiting list cannot take the job (a real Redis error, WRONGTYPE).
    const queue = api.app.get(QueueRegistry).get(QueueName.Ingestion);
    const client = await queue.client;
    await client.set(queue.toKey('wait'), 'not a list');
    const body = { type: 'text', text: 'one line\nanother line\n' };
    let failedUpload;
    try {
      failedUpload = await api.request('POST', `${base()}/datasources`, { token: crew.editor.token, body });
    } finally {
      await client.del(queue.toKey('wait'));
    }
    expect(failedUpload.status).toBeGreaterThanOrEqual(500);

    const again = await api.request('POST', `${base()}/datasources`, { token: crew.editor.token, body });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'failed', lastJobId: expect.any(String) });
    const job = await api.request('GET', `${base()}/jobs/${again.body.lastJobId}`, { token: crew.viewer.token });
    expect(job.body).toMatchObject({
      kind: 'ingestion.run',
      status: 'failed',
      error: expect.stringContaining('queued'),
    });

    const retried = await api.request('POST', `${base()}/jobs/${again.body.lastJobId}/retry`, {
      token: crew.editor.token,
    });
    expect(retried.status).toBe(202);
    const ds = await api.request('GET', `${base()}/datasources/${again.body.id}`, { token: crew.viewer.token });
    expect(ds.body).toMatchObject({ status: 'pending', lastJobId: again.body.lastJobId });
  });
});
