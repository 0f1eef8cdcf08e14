import { Worker } from 'bullmq';
import { bullOptions, JobName, QueueName, QueueRegistry } from '../../../libs/queue/src';
import { waitFor } from '../../support/built-app';
import { deleteRedisKeys } from '../../support/spawn-app';
import { createUser, startTestApi, TestApi, TestUser } from '../../support/test-app';

/**
 * Telemetry batches that failed every attempt hold acknowledged readings: an admin can queue them
 * again once the cause is fixed. Jobs the Jobs API tracks are left to its own retry.
 */
describe('admin: retry the failed jobs of a queue', () => {
  let api: TestApi;
  let admin: TestUser;
  let queues: QueueRegistry;

  beforeAll(async () => {
    api = await startTestApi();
    admin = await createUser(api, { role: 'admin' });
    queues = QueueRegistry.open(api.config);
  });

  afterAll(async () => {
    await queues?.close();
    await api?.close();
    if (api) await deleteRedisKeys(api.config.redis.prefix);
  });

  it('moves failed telemetry batches back to waiting (admins only), leaving tracked jobs alone', async () => {
    const batch = (v: number) => ({
      readings: [
        { time: new Date().toISOString(), instrumentId: '00000000-0000-4000-8000-000000000000', metric: 'm', value: v },
      ],
      source: 'mqtt' as const,
      receivedAt: new Date().toISOString(),
    });
    const queue = queues.get(QueueName.Telemetry);
    // One attempt each (production gives 20), so they fail for good at once.
    for (let i = 0; i < 3; i++) await queue.add(JobName.TelemetryStoreBatch, batch(i), { attempts: 1 });
    // A tracked job (the Jobs API's) that failed too: it must stay failed here.
    await queue.add(JobName.TelemetryBackfill, { jobId: 'x', workspaceId: 'y' } as never, { attempts: 1 });
    // A worker whose storage is "down": every attempt fails, for good (one attempt each).
    const failing = new Worker(
      QueueName.Telemetry,
      async () => {
        throw new Error('database unavailable');
      },
      { ...bullOptions(api.config, 'worker'), autorun: true },
    );
    await waitFor(async () => (await queue.getJobCounts('failed')).failed === 4, 60_000, 'four failed jobs');
    await failing.close();

    const path = '/api/v1/admin/queues/telemetry/retry-failed';
    const nonAdmin = await createUser(api);
    expect((await api.request('POST', path, { token: nonAdmin.token })).status).toBe(403);
    expect((await api.request('POST', '/api/v1/admin/queues/nope/retry-failed', { token: admin.token })).status).toBe(
      404,
    );

    const res = await api.request('POST', path, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.retried).toBe(3);
    expect(res.body.queue).toMatchObject({ name: 'telemetry', counts: { failed: 1, waiting: 3 } });
    const failed = await queue.getFailed();
    expect(failed.map((j) => j.name)).toEqual([JobName.TelemetryBackfill]);
  });
});
