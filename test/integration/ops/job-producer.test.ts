import { randomBytes } from 'node:crypto';
import { JobName, JobProducer, QueueName, QueueRegistry, QueueUnavailableError } from '../../../libs/queue/src';
import { deleteRedisKeys } from '../../support/spawn-app';

describe('JobProducer', () => {
  const prefix = `lwt:${randomBytes(4).toString('hex')}`;
  let queues: QueueRegistry;
  beforeAll(() => {
    queues = QueueRegistry.open({ redis: { url: 'redis://127.0.0.1:6379', prefix } });
  });
  afterAll(async () => {
    await queues.close();
    await deleteRedisKeys(prefix);
  });

  it('enqueues with the definition defaults under the hash-tagged prefix, idempotent by jobId', async () => {
    const producer = new JobProducer(queues);
    const first = await producer.enqueue(JobName.MaintenancePurge, {}, { jobId: 'purge-once', delayMs: 60_000 });
    const again = await producer.enqueue(JobName.MaintenancePurge, {}, { jobId: 'purge-once', delayMs: 60_000 });
    expect(again.id).toBe(first.id);
    const queue = queues.get(QueueName.Maintenance);
    const job = await queue.getJob('purge-once');
    expect(job?.opts).toMatchObject({ attempts: 3, backoff: { type: 'exponential', delay: 30_000 } });
    expect(queue.keys.wait).toBe(`{${prefix}}:maintenance:wait`);
    const depths = await queues.depths();
    expect(depths.get(QueueName.Maintenance)).toEqual({ waiting: 0, active: 0, delayed: 1, failed: 0 });
  });

  it('upserts one job scheduler per id however often it is called', async () => {
    const producer = new JobProducer(queues);
    await producer.schedule('test.scheduler', JobName.MaintenancePurge, {}, { everyMs: 3_600_000 });
    await producer.schedule('test.scheduler', JobName.MaintenancePurge, {}, { everyMs: 7_200_000 });
    const schedulers = await queues.get(QueueName.Maintenance).getJobSchedulers();
    expect(schedulers).toEqual([expect.objectContaining({ key: 'test.scheduler', every: 7_200_000 })]);
    expect(await producer.unschedule(JobName.MaintenancePurge, 'test.scheduler')).toBe(true);
  });

  it('gives up with QueueUnavailableError when Redis does not answer', async () => {
    const down = QueueRegistry.open({ redis: { url: 'redis://127.0.0.1:1', prefix } });
    try {
      await expect(new JobProducer(down).enqueue(JobName.MaintenancePurge, {})).rejects.toBeInstanceOf(
        QueueUnavailableError,
      );
    } finally {
      await down.close();
      // ioredis gives the never-connected socket 2 s before destroying it; let the worker exit cleanly.
      await new Promise((resolve) => setTimeout(resolve, 2100));
    }
  }, 15_000);
});
