import { INestApplicationContext } from '@nestjs/common';
import { JobRunner, JobsService } from '../../../libs/domain/src';
import { QueueName, QueueRegistry } from '../../../libs/queue/src';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

const HOUR = 3_600_000;

/**
 * A job whose workers keep dying is failed by BullMQ without being run again ("job stalled more than
 * allowable limit"): the Jobs API must see it end too, not keep it `running` for ever (where neither
 * cancel nor retry can reach it).
 */
describe('jobs BullMQ gives up on', () => {
  let api: TestApi;
  let worker: INestApplicationContext | undefined;
  let crew: WorkspaceCrew;
  let instrumentId: string;
  let queues: QueueRegistry;
  const jobs = () => `/api/v1/workspaces/${crew.workspaceId}/jobs`;

  beforeAll(async () => {
    api = await startTestApi();
    crew = await createWorkspaceCrew(api);
    instrumentId = (await createInstrument(api, crew.owner, crew.workspaceId)).id;
    queues = api.app.get(QueueRegistry);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  const until = async (id: string, done: (job: any) => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = (await api.request('GET', `${jobs()}/${id}`, { token: crew.viewer.token })).body;
      if (done(job)) return job;
      if (Date.now() > deadline) throw new Error(`job not there within ${timeoutMs} ms: ${JSON.stringify(job)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('fails a running job that BullMQ failed for stalling too often, and lets it be retried', async () => {
    await queues.pause(QueueName.Telemetry);
    const t0 = Math.floor((Date.now() - 24 * HOUR) / HOUR) * HOUR;
    const res = await api.request(
      'POST',
      `/api/v1/workspaces/${crew.workspaceId}/instruments/${instrumentId}/telemetry`,
      {
        token: crew.editor.token,
        body: [{ ts: t0, values: { stalled: 1 } }],
      },
    );
    expect(res.status).toBe(202);
    const id: string = res.body.id;
    // What BullMQ leaves after the job's last allowed stall: the run that died had marked it running,
    // and the BullMQ job is back in the queue flagged to be failed at its next pick-up.
    const ref = { jobId: id, workspaceId: crew.workspaceId };
    expect(await api.app.get(JobsService).markRunning(ref)).toMatchObject({ status: 'running', attempts: 1 });
    const queue = queues.get(QueueName.Telemetry);
    const client = await queue.client;
    await client.hset(queue.toKey(id), { defa: 'job stalled more than allowable limit' });

    worker = await startTestWorker(api);
    await queues.resume(QueueName.Telemetry);
    const failed = await until(id, (j) => j.status !== 'running');
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringContaining('stalled') });
    expect(failed.finishedAt).not.toBeNull();

    const retried = await api.request('POST', `${jobs()}/${id}/retry`, { token: crew.editor.token });
    expect(retried.status).toBe(202);
    expect(await until(id, (j) => j.status === 'succeeded')).toMatchObject({ result: { inserted: 1 } });
  });

  it('ignores what an attempt that ran past its timeout records once the next attempt has started', async () => {
    await queues.pause(QueueName.Telemetry);
    const t0 = Math.floor((Date.now() - 24 * HOUR) / HOUR) * HOUR;
    const res = await api.request(
      'POST',
      `/api/v1/workspaces/${crew.workspaceId}/instruments/${instrumentId}/telemetry`,
      {
        token: crew.editor.token,
        body: [{ ts: t0, values: { overtaken: 1 } }],
      },
    );
    expect(res.status).toBe(202);
    const ref = { jobId: res.body.id as string, workspaceId: crew.workspaceId };
    const runner = api.app.get(JobRunner);
    // BullMQ times attempt 1 out and starts attempt 2 while attempt 1 is still busy; attempt 1 then
    // notices its timeout (an ordinary error: "queued again for the next attempt") while 2 runs on.
    // Each attempt's work hands over its release once it runs (the runner marks the job running first,
    // so the row can say `running` before the work has started).
    let firstStarted!: (release: () => void) => void;
    let secondStarted!: (release: () => void) => void;
    const releaseFirst = new Promise<() => void>((r) => (firstStarted = r));
    const releaseSecond = new Promise<() => void>((r) => (secondStarted = r));
    const first = runner.run(ref, { number: 1, max: 3 }, new AbortController().signal, async () => {
      await new Promise<void>((r) => firstStarted(r));
      throw new Error('the job ran past its timeout');
    });
    await until(ref.jobId, (j) => j.status === 'running' && j.attempts === 1);
    const release1 = await releaseFirst;
    const second = runner.run(ref, { number: 2, max: 3 }, new AbortController().signal, async () => {
      await new Promise<void>((r) => secondStarted(r));
      return { counts: { total: 1, processed: 1 }, result: { inserted: 1, duplicates: 0, rejected: 0 } };
    });
    await until(ref.jobId, (j) => j.attempts === 2);
    const release2 = await releaseSecond;
    release1();
    await expect(first).rejects.toThrow('timeout');
    expect((await until(ref.jobId, () => true)).status).toBe('running');
    release2();
    expect(await second).toMatchObject({ outcome: 'succeeded' });
    expect(await until(ref.jobId, () => true)).toMatchObject({ status: 'succeeded', attempts: 2, error: null });
  });
});
