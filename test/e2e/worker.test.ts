import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig } from '../../libs/core/src';
import Redis from 'ioredis';
import { createDomainDataSource, liveTelemetryChannel } from '../../libs/domain/src';
import { JobName, JobProducer, QueueName, QueueRegistry } from '../../libs/queue/src';
import { testEnv } from '../support/test-app';
import { createTestDatabase } from '../support/test-db';
import { deleteRedisKeys, exitWithin, freePort, spawnBuilt, SpawnedApp, waitForHttp } from '../support/spawn-app';

describe('worker (built, as a process)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: NodeJS.ProcessEnv;
  let config: AppConfig;
  let ds: DataSource;
  let queues: QueueRegistry;
  let worker: SpawnedApp;
  let base: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const port = await freePort();
    env = testEnv(db.url, { WORKER_PORT: String(port), MAINTENANCE_INTERVAL: '1d', LOG_LEVEL: 'info' });
    config = loadConfig(env);
    ds = createDomainDataSource(config, 'labwire-test');
    await ds.initialize();
    queues = QueueRegistry.open(config);
    base = `http://127.0.0.1:${port}`;
    worker = spawnBuilt('apps/worker/main.js', env);
    await waitForHttp(`${base}/health/ready`, worker);
  });

  afterAll(async () => {
    await worker?.stop();
    await queues?.close();
    await ds?.destroy();
    await db?.drop();
    if (env?.REDIS_KEY_PREFIX) await deleteRedisKeys(env.REDIS_KEY_PREFIX);
  });

  it('is live and ready, naming its dependencies', async () => {
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; checks: Record<string, unknown> };
    expect(body.status).toBe('ok');
    expect(Object.keys(body.checks).sort()).toEqual(['database', 'redis', 'workers']);
  });

  it('schedules the maintenance purge on a job scheduler', async () => {
    const schedulers = await queues.get(QueueName.Maintenance).getJobSchedulers();
    expect(schedulers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'maintenance.purge', name: JobName.MaintenancePurge, every: 86_400_000 }),
        expect.objectContaining({
          key: 'maintenance.telemetry-retention',
          name: JobName.TelemetryRetention,
          every: 86_400_000,
        }),
        expect.objectContaining({ key: 'maintenance.jobs-sweep', name: JobName.JobsSweep, every: 60_000 }),
        expect.objectContaining({
          key: 'maintenance.calibration-due',
          name: JobName.CalibrationCheckDue,
          pattern: '0 6 * * *',
          tz: 'UTC',
        }),
      ]),
    );
    expect(schedulers).toHaveLength(4);
    const instrumentSchedulers = await queues.get(QueueName.Instruments).getJobSchedulers();
    expect(instrumentSchedulers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          key: 'instruments.maintenance-sweep',
          name: JobName.InstrumentMaintenanceSweep,
          every: 60_000,
        }),
      ]),
    );
  });

  it('stores a queued telemetry batch once, however often it is delivered, and publishes it live', async () => {
    const [ws] = await ds.query(`INSERT INTO workspaces (name) VALUES ('Live') RETURNING id`);
    const [inst] = await ds.query(
      `INSERT INTO instruments (workspace_id, name, serial_number) VALUES ($1, 'Probe', 'P-1') RETURNING id`,
      [ws.id],
    );
    const subscriber = new Redis(config.redis.url);
    const messages: string[] = [];
    subscriber.on('message', (_c: string, m: string) => messages.push(m));
    await subscriber.subscribe(liveTelemetryChannel(config.redis.prefix, inst.id));
    const readings = Array.from({ length: 100 }, (_, i) => ({
      time: new Date(Date.now() - 100_000 + i * 1000).toISOString(),
      instrumentId: inst.id,
      metric: 'ph',
      value: 7 + i / 100,
    }));
    const data = { readings, source: 'mqtt' as const, receivedAt: new Date().toISOString() };
    const producer = new JobProducer(queues);
    const queue = queues.get(QueueName.Telemetry);
    const finished = async (id: string) => {
      const deadline = Date.now() + 15_000;
      let state = '';
      while (Date.now() < deadline && state !== 'completed' && state !== 'failed') {
        await new Promise((r) => setTimeout(r, 50));
        state = await queue.getJobState(id);
      }
      return (await queue.getJob(id))?.returnvalue;
    };
    await producer.enqueue(JobName.TelemetryStoreBatch, data, { jobId: 'batch-1' });
    expect(await finished('batch-1')).toEqual({ inserted: 100, duplicates: 0, rejected: 0 });
    // the same batch delivered again (a bridge retry after a crash) adds nothing
    await producer.enqueue(JobName.TelemetryStoreBatch, data, { jobId: 'batch-1-again' });
    expect(await finished('batch-1-again')).toEqual({ inserted: 0, duplicates: 100, rejected: 0 });
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM telemetry WHERE instrument_id = $1`, [inst.id]);
    expect(n).toBe(100);
    // The first batch's live message is waited for (another process publishes it); then a moment for
    // a second one, which the duplicate batch must not publish.
    const deadline = Date.now() + 15_000;
    while (!messages.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0]).readings).toHaveLength(100);
    subscriber.disconnect();
  });

  it('runs a maintenance job enqueued through JobProducer and counts it in /metrics', async () => {
    const [user] = await ds.query(
      `INSERT INTO users (email, full_name, status, password_hash) VALUES ('w@lab.test', 'W', 'active', 'x') RETURNING id`,
    );
    const [ended] = await ds.query(
      `INSERT INTO sessions (user_id, expires_at) VALUES ($1, now() - interval '1 hour') RETURNING id`,
      [user.id],
    );
    const enqueued = await new JobProducer(queues).enqueue(JobName.MaintenancePurge, {}, { jobId: 'e2e-purge-1' });
    expect(enqueued).toEqual({ id: 'e2e-purge-1', name: JobName.MaintenancePurge, queue: QueueName.Maintenance });

    const queue = queues.get(QueueName.Maintenance);
    const deadline = Date.now() + 15_000;
    let state = '';
    while (Date.now() < deadline && state !== 'completed' && state !== 'failed') {
      await new Promise((r) => setTimeout(r, 100));
      state = await queue.getJobState('e2e-purge-1');
    }
    expect(state).toBe('completed');
    const job = await queue.getJob('e2e-purge-1');
    expect(job?.returnvalue).toMatchObject({ sessionRows: expect.any(Number), auditEntries: 0 });
    expect(job?.returnvalue.sessionRows).toBeGreaterThanOrEqual(1);
    expect(await ds.query(`SELECT id FROM sessions WHERE id = $1`, [ended.id])).toEqual([]);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    const completed = /labwire_jobs_completed_total\{queue="maintenance",name="maintenance.purge"\} (\d+)/.exec(
      metrics,
    );
    expect(Number(completed?.[1])).toBeGreaterThanOrEqual(1);
    expect(metrics).toContain('labwire_job_duration_seconds_bucket');
    expect(metrics).toMatch(/labwire_queue_jobs\{queue="maintenance",state="waiting"\} \d+/);
    expect(metrics).toContain('process_resident_memory_bytes');
  });

  it('on SIGTERM finishes the active job, then exits 0', async () => {
    // Hold a lock the purge needs, so the job is provably active when SIGTERM arrives.
    const blocker = new Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE audit_entries IN ACCESS EXCLUSIVE MODE');
    const queue = queues.get(QueueName.Maintenance);
    await new JobProducer(queues).enqueue(JobName.MaintenancePurge, {}, { jobId: 'e2e-purge-2' });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await queue.getJobState('e2e-purge-2')) !== 'active') {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await queue.getJobState('e2e-purge-2')).toBe('active');

    worker.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    expect(worker.child.exitCode).toBeNull(); // still draining: the job is running
    expect((await fetch(`${base}/health/ready`)).status).toBe(503);

    await blocker.query('COMMIT');
    await blocker.end();
    expect(await exitWithin(worker, 10_000)).toBe(0);
    expect(await queue.getJobState('e2e-purge-2')).toBe('completed');
    expect(worker.output()).toContain('workers stopped');
  });
});
