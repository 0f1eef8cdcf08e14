import { DataSource } from 'typeorm';
import { JobsService } from '../../../libs/domain/src';
import { JobName, QueueName, QueueRegistry } from '../../../libs/queue/src';
import { deleteRedisKeys } from '../../support/spawn-app';
import { startTestApi, TestApi } from '../../support/test-app';
import { createWorkspaceCrew } from '../../support/workspace-factories';

/**
 * A process that records a job and dies before queueing it leaves the job `queued` with nothing in
 * its queue: the maintenance sweep queues it again, once, and leaves jobs that are in their queue.
 */
describe('jobs sweep', () => {
  let api: TestApi;
  let queues: QueueRegistry;

  beforeAll(async () => {
    api = await startTestApi();
    queues = QueueRegistry.open(api.config);
  });

  afterAll(async () => {
    await queues?.close();
    await api?.close();
    if (api) await deleteRedisKeys(api.config.redis.prefix);
  });

  it('queues again jobs left queued with no BullMQ job, and only those', async () => {
    const crew = await createWorkspaceCrew(api);
    const ds = api.app.get(DataSource);
    const insert = async (updatedAgo: string) =>
      (
        await ds.query<Array<{ id: string }>>(
          `INSERT INTO jobs (workspace_id, kind, updated_at) VALUES ($1, $2, now() - $3::interval) RETURNING id`,
          [crew.workspaceId, JobName.IngestionRun, updatedAgo],
        )
      )[0].id as string;
    const orphan = await insert('10 minutes');
    const fresh = await insert('10 seconds'); // maybe being queued right now: not touched
    const inQueue = await insert('10 minutes');
    const queue = queues.get(QueueName.Ingestion);
    await queue.add(
      JobName.IngestionRun,
      { jobId: inQueue, workspaceId: crew.workspaceId },
      { jobId: inQueue, delay: 60_000 },
    );

    const sweep = api.app.get(JobsService);
    expect(await sweep.requeueOrphans()).toEqual({ requeued: 1 });
    const queued = await queue.getJob(orphan);
    expect(queued?.data).toEqual({ jobId: orphan, workspaceId: crew.workspaceId });
    expect(await queue.getJob(fresh)).toBeUndefined();
    // Twice is harmless: the job is in its queue now.
    expect(await sweep.requeueOrphans()).toEqual({ requeued: 0 });
  });
});
