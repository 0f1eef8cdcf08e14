import { INestApplicationContext } from '@nestjs/common';
import { ValidationError } from '../../../libs/core/src';
import { JobRunner } from '../../../libs/domain/src';
import { QueueName, QueueRegistry } from '../../../libs/queue/src';
import { SseTestClient } from '../../support/sse-client';
import { createUser, startTestApi, TestApi, TestUser } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

const HOUR = 3_600_000;

/** The Jobs API over real backfill jobs: lifecycle, cancel and retry, access, event streams, queue admin. */
describe('jobs', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let other: WorkspaceCrew;
  let admin: TestUser;
  let instrumentId: string;
  let queues: QueueRegistry;
  const t0 = Math.floor((Date.now() - 24 * HOUR) / HOUR) * HOUR;
  const jobs = () => `/api/v1/workspaces/${crew.workspaceId}/jobs`;

  beforeAll(async () => {
    api = await startTestApi();
    worker = await startTestWorker(api);
    [crew, other, admin] = await Promise.all([
      createWorkspaceCrew(api),
      createWorkspaceCrew(api),
      createUser(api, { role: 'admin' }),
    ]);
    instrumentId = (await createInstrument(api, crew.owner, crew.workspaceId)).id;
    queues = api.app.get(QueueRegistry);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  const pause = () => api.request('POST', '/api/v1/admin/queues/telemetry/pause', { token: admin.token });
  const resume = () => api.request('POST', '/api/v1/admin/queues/telemetry/resume', { token: admin.token });
  afterEach(async () => {
    expect((await resume()).status).toBe(200);
  });

  /** A small backfill (queued while the telemetry queue is paused); answers the created job. */
  const backfill = async (metric: string, points = 3) => {
    const body = Array.from({ length: points }, (_, i) => ({ ts: t0 + i * 1000, values: { [metric]: i } }));
    const res = await api.request(
      'POST',
      `/api/v1/workspaces/${crew.workspaceId}/instruments/${instrumentId}/telemetry`,
      {
        token: crew.editor.token,
        body,
      },
    );
    expect(res.status).toBe(202);
    return res.body;
  };
  const get = (id: string, token = crew.viewer.token) => api.request('GET', `${jobs()}/${id}`, { token });
  const action = (id: string, verb: 'cancel' | 'retry', token = crew.editor.token) =>
    api.request('POST', `${jobs()}/${id}/${verb}`, { token });
  const until = async (id: string, done: (job: any) => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = (await get(id)).body;
      if (done(job)) return job;
      if (Date.now() > deadline) throw new Error(`job not there within ${timeoutMs} ms: ${JSON.stringify(job)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const ref = (id: string) => ({ jobId: id, workspaceId: crew.workspaceId });

  it('lists and reads jobs of a workspace only, and lets only editors act on them', async () => {
    await pause();
    const job = await backfill('listed');
    const list = await api.request('GET', jobs(), {
      token: crew.viewer.token,
      query: { kind: 'telemetry.backfill', status: 'queued' },
    });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 1, page: 1, pageSize: 50, totalPages: 1 });
    expect(list.body.items[0]).toMatchObject({ id: job.id, status: 'queued', errorCount: 0 });
    expect(list.body.items[0].errors).toBeUndefined();
    expect(
      (await api.request('GET', jobs(), { token: crew.viewer.token, query: { status: 'failed' } })).body.total,
    ).toBe(0);
    expect((await api.request('GET', jobs(), { token: crew.viewer.token, query: { status: 'done' } })).status).toBe(
      400,
    );
    expect((await api.request('GET', jobs(), { token: crew.viewer.token, query: { sort: 'input' } })).status).toBe(400);

    const read = await get(job.id);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id: job.id,
      kind: 'telemetry.backfill',
      input: { instrumentId, total: 3, valid: 3 },
    });
    // another workspace's member: through their workspace the job does not exist; through ours, nothing does
    const theirs = await api.request('GET', `/api/v1/workspaces/${other.workspaceId}/jobs/${job.id}`, {
      token: other.owner.token,
    });
    expect(theirs.status).toBe(404);
    expect(theirs.body.code).toBe('JOB_NOT_FOUND');
    expect((await get(job.id, other.owner.token)).body.code).toBe('WORKSPACE_NOT_FOUND');
    expect((await action(job.id, 'cancel', other.owner.token)).status).toBe(404);
    expect((await get('not-a-uuid')).body.code).toBe('JOB_NOT_FOUND');
    // viewers read, editors act
    expect((await action(job.id, 'cancel', crew.viewer.token)).status).toBe(403);
    expect((await action(job.id, 'retry', crew.viewer.token)).status).toBe(403);
    expect((await get(job.id)).body.status).toBe('queued');
  });

  it('cancels a queued job at once (out of the queue) and retries it under the same id', async () => {
    await pause();
    const job = await backfill('cancelled-queued');
    const queue = queues.get(QueueName.Telemetry);
    expect(await queue.getJob(job.id)).toBeDefined();
    const cancelled = await action(job.id, 'cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: job.id, status: 'cancelled', cancelRequested: true });
    expect(cancelled.body.finishedAt).not.toBeNull();
    expect(await queue.getJob(job.id)).toBeUndefined();
    expect((await action(job.id, 'cancel')).body.status).toBe('cancelled'); // again: no change

    const retried = await action(job.id, 'retry');
    expect(retried.status).toBe(202);
    expect(retried.headers.location).toBe(`${jobs()}/${job.id}`);
    expect(retried.body).toMatchObject({ id: job.id, status: 'queued', cancelRequested: false, finishedAt: null });
    expect(await queue.getJobState(job.id)).toMatch(/wait|paused/);
    expect((await action(job.id, 'retry')).body.code).toBe('JOB_NOT_RETRYABLE');

    await resume();
    const done = await until(job.id, (j) => j.status === 'succeeded');
    expect(done).toMatchObject({ attempts: 1, result: { inserted: 3 } });
    expect((await action(job.id, 'cancel')).body.code).toBe('JOB_NOT_CANCELLABLE');
    expect((await action(job.id, 'retry')).status).toBe(409);
    const audit = await api.request('GET', `/api/v1/workspaces/${crew.workspaceId}/audit-log`, {
      token: crew.owner.token,
      query: { entityType: 'job', entityId: job.id, sort: 'createdAt' },
    });
    expect(audit.body.items.map((e: any) => [e.action, e.changes.status?.to ?? null])).toEqual([
      ['create', null],
      ['update', 'cancelled'],
      ['update', 'queued'],
    ]);
  });

  it('stops a running job at its next check when cancelled, then runs it again on retry', async () => {
    await pause();
    const job = await backfill('cancelled-running', 4);
    let release!: () => void;
    const latch = new Promise<void>((resolve) => (release = resolve));
    const run = api.app
      .get(JobRunner)
      .run(ref(job.id), { number: 1, max: 3 }, new AbortController().signal, async (context) => {
        await context.progress(0.5, { total: 4, processed: 2 });
        await latch;
        await context.checkpoint();
        return { counts: { total: 4 }, result: {} };
      });
    await until(job.id, (j) => j.status === 'running' && j.progress === 0.5);
    const cancelling = await action(job.id, 'cancel');
    expect(cancelling.body).toMatchObject({ status: 'running', cancelRequested: true });
    release();
    expect(await run).toEqual({ outcome: 'cancelled' });
    const cancelled = (await get(job.id)).body;
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      progress: 0.5,
      counts: { total: 4, processed: 2 },
      attempts: 1,
    });

    expect((await action(job.id, 'retry')).status).toBe(202);
    await resume();
    const done = await until(job.id, (j) => j.status === 'succeeded');
    expect(done).toMatchObject({ attempts: 2, progress: 1, result: { inserted: 4, duplicates: 0 } });
  });

  it('queues a job again after a failed attempt, fails it after the last, and fails domain errors at once', async () => {
    await pause();
    const job = await backfill('failing');
    const runner = api.app.get(JobRunner);
    const boom = async (): Promise<never> => {
      throw new Error('connection reset by peer');
    };
    const signal = new AbortController().signal;
    await expect(runner.run(ref(job.id), { number: 1, max: 2 }, signal, boom)).rejects.toThrow('connection reset');
    expect((await get(job.id)).body).toMatchObject({
      status: 'queued',
      attempts: 1,
      error: 'attempt 1 of 2 failed: Internal error (Error); the worker log has the details',
    });
    await expect(runner.run(ref(job.id), { number: 2, max: 2 }, signal, boom)).rejects.toThrow();
    const failed = (await get(job.id)).body;
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, error: expect.stringMatching(/^Internal error/) });
    expect(failed.finishedAt).not.toBeNull();

    const refused = await backfill('refused');
    const outcome = await runner.run(ref(refused.id), { number: 1, max: 3 }, signal, async () => {
      throw new ValidationError('the readings no longer fit');
    });
    expect(outcome).toEqual({ outcome: 'failed' });
    expect((await get(refused.id)).body).toMatchObject({ status: 'failed', error: 'the readings no longer fit' });

    // a failed job is retried with its input intact
    expect((await action(job.id, 'retry')).status).toBe(202);
    await resume();
    expect(await until(job.id, (j) => j.status === 'succeeded')).toMatchObject({
      attempts: 3,
      result: { inserted: 3 },
    });
  });

  it("streams a job's status and progress as Server-Sent Events until it finishes", async () => {
    await pause();
    const job = await backfill('streamed', 12_000);
    await api.app.listen(0, '127.0.0.1');
    const base = (await api.app.getUrl()).replace('[::1]', '127.0.0.1');
    const headers = { authorization: `Bearer ${crew.viewer.token}` };
    const client = await SseTestClient.connect(`${base}${job.links.events}`, headers);
    try {
      expect(client.status).toBe(200);
      expect(client.headers['content-type']).toMatch(/^text\/event-stream/);
      const first = await client.next((e) => e.event === 'status');
      expect(JSON.parse(first.data)).toMatchObject({ id: job.id, status: 'queued', progress: 0 });
      await resume();
      await client.until(() => client.ended, 10_000);
      const events = client.events.map((e) => ({ event: e.event, ...JSON.parse(e.data) }));
      const statuses = events.filter((e) => e.event === 'status').map((e) => e.status);
      expect(statuses).toEqual(['queued', 'running', 'succeeded']);
      const progress = events.filter((e) => e.event === 'progress').map((e) => e.progress);
      expect(progress.length).toBeGreaterThanOrEqual(1);
      expect([...progress].sort((a, b) => a - b)).toEqual(progress);
      expect(events[events.length - 1]).toMatchObject({ event: 'status', status: 'succeeded', progress: 1 });
      expect(events[events.length - 1].counts).toMatchObject({ total: 12_000, inserted: 12_000 });
      expect(events[events.length - 1].errors).toBeUndefined();
    } finally {
      client.close();
    }
    // a finished job's stream says so and ends; an unknown job is a problem, not a stream
    const again = await SseTestClient.connect(`${base}${job.links.events}`, headers);
    await again.until(() => again.ended, 5000);
    expect(again.events.map((e) => [e.event, JSON.parse(e.data).status])).toEqual([['status', 'succeeded']]);
    const missing = await SseTestClient.connect(
      `${base}${jobs()}/00000000-0000-4000-8000-000000000000/events`,
      headers,
    );
    expect(missing.status).toBe(404);
    expect(JSON.parse(await missing.body()).code).toBe('JOB_NOT_FOUND');
    const outsider = await SseTestClient.connect(`${base}${job.links.events}`, {
      authorization: `Bearer ${crew.outsider.token}`,
    });
    expect(outsider.status).toBe(404);
  });

  it('shows admins the queues and lets them pause and resume one; nobody else', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/admin/queues'],
      ['POST', '/api/v1/admin/queues/telemetry/pause'],
      ['POST', '/api/v1/admin/queues/telemetry/resume'],
    ]) {
      const res = await api.request(method, path, { token: crew.owner.token });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
    const list = await api.request('GET', '/api/v1/admin/queues', { token: admin.token });
    expect(list.status).toBe(200);
    expect(list.body.map((q: any) => q.name)).toEqual(expect.arrayContaining(['maintenance', 'telemetry']));
    const telemetry = () => list.body.find((q: any) => q.name === 'telemetry');
    expect(telemetry()).toMatchObject({
      paused: false,
      counts: {
        waiting: expect.any(Number),
        active: expect.any(Number),
        delayed: expect.any(Number),
        failed: expect.any(Number),
        completed: expect.any(Number),
      },
    });
    expect(telemetry().counts.completed).toBeGreaterThan(0);

    const paused = await pause();
    expect(paused.body).toMatchObject({ name: 'telemetry', paused: true });
    const job = await backfill('while-paused');
    const waiting = await api.request('GET', '/api/v1/admin/queues', { token: admin.token });
    expect(waiting.body.find((q: any) => q.name === 'telemetry')).toMatchObject({
      paused: true,
      counts: { waiting: 1 },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect((await get(job.id)).body.status).toBe('queued');
    const resumed = await resume();
    expect(resumed.body).toMatchObject({ name: 'telemetry', paused: false });
    await until(job.id, (j) => j.status === 'succeeded');
    const unknown = await api.request('POST', '/api/v1/admin/queues/telemetri/pause', { token: admin.token });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('QUEUE_NOT_FOUND');
  });
});
