import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobName, JobProducer } from '../../../libs/queue/src';
import { ScheduleRunService, ScheduleSync, TelemetryExportService } from '../../../libs/domain/src';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

const TICK_MS = 1000;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/**
 * Schedules firing on real workers (BullMQ job schedulers on Redis, runs in PostgreSQL): one run per
 * tick with two workers, run-now, pause and resume, skip-on-overlap, one catch-up after an outage,
 * URL lists appending only new content (served from a loopback server the SSRF guard is told about),
 * deletion and a flushed Redis reconciled, the creator checked at run time.
 */
describe('schedule runs', () => {
  let api: TestApi;
  let workers: INestApplicationContext[] = [];
  let crew: WorkspaceCrew;
  let storageDir: string;
  let site: Server;
  let port: number;
  const docs = new Map<string, string>();
  const held: ServerResponse[] = [];
  let env: Record<string, string>;
  const base = () => `/api/v1/workspaces/${crew.workspaceId}`;
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;

  beforeAll(async () => {
    site = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/slow') {
        // headers now, the body when the test releases it
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.flushHeaders();
        held.push(res);
        return;
      }
      const body = docs.get(req.url ?? '');
      if (body === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
    });
    port = await listen(site);
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-schedules-'));
    env = {
      STORAGE_URL: `file://${storageDir}`,
      INGEST_ALLOW_PRIVATE_NETWORKS: `127.0.0.1:${port}`,
      INGEST_URL_TIMEOUT_MS: '60000',
      SCHEDULES_MIN_INTERVAL_MS: '1000',
    };
    api = await startTestApi(env);
    workers = [await startTestWorker(api, env), await startTestWorker(api, env)];
    crew = await createWorkspaceCrew(api, 'Scheduled runs');
  });
  afterAll(async () => {
    for (const res of held) res.end('late');
    for (const w of workers) await w.close();
    await api?.close();
    site?.closeAllConnections();
    await new Promise((r) => site?.close(r));
    rmSync(storageDir, { recursive: true, force: true });
  });

  // Liveness bounds, not timing targets: a loaded 2-core machine may be slow.
  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 90_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`condition not met in time: ${JSON.stringify(value).slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const create = async (body: Record<string, unknown>) => {
    const res = await api.request('POST', `${base()}/schedules`, { token: crew.editor.token, body });
    if (res.status !== 201) throw new Error(`create schedule: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const runs = async (id: string): Promise<any[]> =>
    (await api.request('GET', `${base()}/schedules/${id}/runs`, { token: crew.viewer.token, query: { pageSize: 500 } }))
      .body.items;
  const jobsOf = async (id: string): Promise<any[]> =>
    (await api.request('GET', `${base()}/jobs`, { token: crew.viewer.token, query: { scheduleId: id, pageSize: 500 } }))
      .body.items;
  const job = async (id: string) =>
    (await api.request('GET', `${base()}/jobs/${id}`, { token: crew.viewer.token })).body;
  const finished = (id: string) =>
    until(
      () => job(id),
      (j) => ['succeeded', 'failed', 'cancelled'].includes(j.status),
    );
  const records = async (datasourceId: string): Promise<any[]> =>
    (
      await api.request('GET', `${base()}/records`, {
        token: crew.viewer.token,
        query: { datasourceId, pageSize: 500, sort: 'position' },
      })
    ).body.items;
  const pause = (id: string) => api.request('POST', `${base()}/schedules/${id}/pause`, { token: crew.editor.token });
  const runNow = (id: string) => api.request('POST', `${base()}/schedules/${id}/run`, { token: crew.editor.token });
  /** A start on the tick grid a little ahead, so every tick of the test is at start + k·TICK_MS. */
  const gridStart = (leadMs = 1500) => new Date(Math.ceil((Date.now() + leadMs) / TICK_MS) * TICK_MS).toISOString();

  it('runs a URL list now and again, appending only records whose content is new', async () => {
    docs.set('/a/1', 'Protocol one: stir');
    docs.set('/a/2', 'Protocol two: shake');
    docs.set('/a/3', 'Protocol three: heat');
    const s = await create({
      name: 'Append scrape',
      kind: 'ingestion',
      config: { urls: ['/a/1', '/a/2', '/a/3'].map(url), mode: 'append' },
      intervalMs: 3_600_000,
    });
    const first = await runNow(s.id);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ kind: 'ingestion.run', scheduleId: s.id });
    const done1 = await finished(first.body.id);
    expect(done1).toMatchObject({ status: 'succeeded', result: { inserted: 3 } });
    const target = done1.input.datasourceId as string;
    expect((await records(target)).map((r) => r.text)).toEqual([
      'Protocol one: stir',
      'Protocol two: shake',
      'Protocol three: heat',
    ]);

    // nothing changed: nothing added
    const second = await finished((await runNow(s.id)).body.id);
    expect(second).toMatchObject({ status: 'succeeded', input: { datasourceId: target }, result: { inserted: 0 } });
    // one page changed: only its new content is appended, after the others
    docs.set('/a/2', 'Protocol two, revised: shake gently');
    const third = await finished((await runNow(s.id)).body.id);
    expect(third).toMatchObject({ status: 'succeeded', input: { datasourceId: target }, result: { inserted: 1 } });
    const after = await records(target);
    expect(after.map((r) => [r.position, r.text])).toEqual([
      [1, 'Protocol one: stir'],
      [2, 'Protocol two: shake'],
      [3, 'Protocol three: heat'],
      [4, 'Protocol two, revised: shake gently'],
    ]);
    // every run is a job of the schedule, and a manual run in its history
    expect((await jobsOf(s.id)).length).toBe(3);
    expect((await runs(s.id)).map((r) => [r.trigger, r.status])).toEqual([
      ['manual', 'started'],
      ['manual', 'started'],
      ['manual', 'started'],
    ]);
    const got = await api.request('GET', `${base()}/schedules/${s.id}`, { token: crew.viewer.token });
    expect(got.body.lastRun).toMatchObject({
      trigger: 'manual',
      status: 'started',
      jobId: third.id,
      jobStatus: 'succeeded',
    });
  });

  it('makes a new data source per run in new-datasource mode', async () => {
    docs.set('/n/1', 'Fresh page');
    const s = await create({
      name: 'Snapshot',
      kind: 'ingestion',
      config: { urls: [url('/n/1')], mode: 'new-datasource' },
      intervalMs: 3_600_000,
    });
    const a = await finished((await runNow(s.id)).body.id);
    const b = await finished((await runNow(s.id)).body.id);
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    expect(a.input.datasourceId).not.toBe(b.input.datasourceId);
    for (const j of [a, b]) expect((await records(j.input.datasourceId)).map((r) => r.text)).toEqual(['Fresh page']);
  });

  it('with two workers, a short-interval schedule yields exactly one job per tick, on the grid; pause stops it', async () => {
    docs.set('/t/1', 'Tick page');
    const startAt = gridStart();
    const s = await create({
      name: 'Every two seconds',
      kind: 'ingestion',
      config: { urls: [url('/t/1')], mode: 'append' },
      intervalMs: TICK_MS,
      startAt,
    });
    expect(s.nextRuns[0]).toBe(startAt);
    await until(
      () => runs(s.id),
      (r) => r.filter((x) => x.status === 'started').length >= 5,
    );
    expect((await pause(s.id)).body.status).toBe('paused');
    // let what was already taken settle, then compare runs and jobs
    await new Promise((r) => setTimeout(r, TICK_MS * 2));
    const all = await runs(s.id);
    const started = all.filter((r) => r.status === 'started');
    const ticks = all.map((r) => r.tickAt);
    expect(new Set(ticks).size).toBe(ticks.length);
    for (const t of ticks) expect((Date.parse(t) - Date.parse(startAt)) % TICK_MS).toBe(0);
    const jobs = await jobsOf(s.id);
    expect(jobs.length).toBe(started.length);
    expect(new Set(started.map((r) => r.jobId))).toEqual(new Set(jobs.map((j) => j.id)));
    // paused: no further tick
    await new Promise((r) => setTimeout(r, TICK_MS * 3));
    expect((await runs(s.id)).length).toBe(all.length);
    // resumed: it fires again
    const resumed = await api.request('POST', `${base()}/schedules/${s.id}/resume`, { token: crew.editor.token });
    expect(resumed.body.status).toBe('active');
    await until(
      () => runs(s.id),
      (r) => r.length > all.length,
    );
    await pause(s.id);
  });

  it('skips (and records) a run whose previous run is still going; run-now answers 409', async () => {
    docs.set('/o/1', 'Overlap page');
    const s = await create({
      name: 'Overlapping',
      kind: 'ingestion',
      config: { urls: [url('/o/1'), url('/slow')], mode: 'append' },
      intervalMs: TICK_MS,
      startAt: gridStart(),
    });
    const withSkips = await until(
      () => runs(s.id),
      (r) => r.filter((x) => x.status === 'skipped').length >= 2,
    );
    const started = withSkips.filter((r) => r.status === 'started');
    expect(started).toHaveLength(1);
    for (const skipped of withSkips.filter((r) => r.status === 'skipped')) {
      expect(skipped.reason).toBe(`the previous run (job ${started[0].jobId}) is still going`);
      expect(skipped.jobId).toBeNull();
    }
    const now = await runNow(s.id);
    expect([now.status, now.body.code, now.body.jobId]).toEqual([409, 'SCHEDULE_RUN_OVERLAP', started[0].jobId]);
    await pause(s.id);
    for (const res of held.splice(0)) res.end('Slow page, at last');
    expect((await finished(started[0].jobId)).status).toBe('succeeded');
    expect((await jobsOf(s.id)).length).toBe(1);
  });

  it('after every worker was down, makes one catch-up run for the missed ticks, not one per tick', async () => {
    docs.set('/c/1', 'Catch-up page');
    const s = await create({
      name: 'Catching up',
      kind: 'ingestion',
      config: { urls: [url('/c/1')], mode: 'append' },
      intervalMs: TICK_MS,
      startAt: gridStart(),
    });
    await until(
      () => runs(s.id),
      (r) => r.length >= 1,
    );
    for (const w of workers) await w.close();
    workers = [];
    const before = await runs(s.id);
    const lastTick = Math.max(...before.map((r) => Date.parse(r.tickAt)));
    // at least three ticks pass with no worker
    await new Promise((r) => setTimeout(r, TICK_MS * 4));
    const restartedAt = Date.now();
    workers = [await startTestWorker(api, env), await startTestWorker(api, env)];
    const after = await until(
      () => runs(s.id),
      (r) => r.filter((x) => Date.parse(x.tickAt) > restartedAt).length >= 2,
    );
    await pause(s.id);
    const missed = after
      .filter((r) => Date.parse(r.tickAt) > lastTick)
      .sort((a, b) => Date.parse(a.tickAt) - Date.parse(b.tickAt));
    // the first run after the outage is the one catch-up; no other run stands for a tick of the outage
    expect(missed[0].trigger).toBe('catch-up');
    // at least three ticks fell in the outage; at most one run stands for them
    expect(missed.filter((r) => Date.parse(r.tickAt) < restartedAt).length).toBeLessThanOrEqual(1);
  });

  it('never runs a schedule deleted behind BullMQ’s back, and gives a flushed Redis its schedulers back', async () => {
    docs.set('/d/1', 'Deleted page');
    const sync = workers[0].get(ScheduleSync);
    const producer = workers[0].get(JobProducer);
    const db = api.app.get(DataSource);
    const gone = await create({
      name: 'Deleted while Redis was away',
      kind: 'ingestion',
      config: { urls: [url('/d/1')], mode: 'append' },
      intervalMs: TICK_MS,
      // first tick well after the row is deleted below
      startAt: gridStart(4_000),
    });
    const kept = await create({
      name: 'Kept',
      kind: 'ingestion',
      config: { urls: [url('/d/1')], mode: 'append' },
      intervalMs: 3_600_000,
    });
    // as if the api's delete could not reach Redis: the row goes, the scheduler stays
    await db.query(`DELETE FROM schedules WHERE id = $1`, [gone.id]);
    expect(await producer.schedulerIds(JobName.ScheduleTick, `schedule:${gone.id}:`)).toHaveLength(1);
    // its next tick (or the minutely reconciliation, whichever comes first) finds no schedule: the scheduler goes, no run
    await until(
      () => producer.schedulerIds(JobName.ScheduleTick, `schedule:${gone.id}:`),
      (ids) => ids.length === 0,
    );
    expect(await jobsOf(gone.id)).toEqual([]);

    // a flushed Redis: the schedulers are gone, the reconciliation makes them again from the table
    for (const id of await producer.schedulerIds(JobName.ScheduleTick, 'schedule:')) {
      await producer.unschedule(JobName.ScheduleTick, id);
    }
    expect(await producer.schedulerIds(JobName.ScheduleTick, `schedule:${kept.id}:`)).toEqual([]);
    const reconciled = await sync.reconcileAll();
    expect(reconciled.upserted).toBeGreaterThanOrEqual(1);
    expect(await producer.schedulerIds(JobName.ScheduleTick, `schedule:${kept.id}:`)).toEqual([
      `schedule:${kept.id}:1`,
    ]);
    // paused schedules get none
    const paused = (await runs(kept.id)).length;
    await pause(kept.id);
    expect(await producer.schedulerIds(JobName.ScheduleTick, `schedule:${kept.id}:`)).toEqual([]);
    expect(paused).toBe(0);
  });

  it('classifies the records added since the last successful run (scope new), or all of them', async () => {
    const text = async (lines: string[]) => {
      const res = await api.request('POST', `${base()}/datasources`, {
        token: crew.editor.token,
        body: { type: 'text', text: lines.join('\n'), name: `lines ${Math.random()}` },
      });
      expect(res.status).toBe(201);
      expect((await finished(res.body.lastJobId)).status).toBe('succeeded');
    };
    const scheme = await api.request('POST', `${base()}/classification-schemes`, {
      token: crew.editor.token,
      body: {
        name: `Topics ${Math.random()}`,
        mode: 'single',
        labels: [
          { name: 'chemistry', rules: [{ type: 'keyword', pattern: 'titration', weight: 1 }] },
          { name: 'other', rules: [{ type: 'keyword', pattern: 'coffee', weight: 1 }] },
        ],
      },
    });
    expect(scheme.status).toBe(201);
    const make = (scope: string) =>
      create({
        name: `Classify ${scope}`,
        kind: 'classification',
        config: { schemeId: scheme.body.id, scope },
        intervalMs: 3_600_000,
      });
    const fresh = await make('new');
    const every = await make('all');
    const before = (await api.request('GET', `${base()}/records`, { token: crew.viewer.token, query: { pageSize: 1 } }))
      .body.total as number;
    await text(['a titration at noon', 'coffee break']);
    const first = await finished((await runNow(fresh.id)).body.id);
    expect(first).toMatchObject({ status: 'succeeded', kind: 'classification.run', scheduleId: fresh.id });
    expect(first.counts.processed).toBe(before + 2);
    await text(['another titration', 'more coffee', 'a third titration']);
    const second = await finished((await runNow(fresh.id)).body.id);
    expect(second.counts.processed).toBe(3);
    expect(second.input.filter.createdAfter).toBe(first.createdAt);
    const all = await finished((await runNow(every.id)).body.id);
    expect(all.counts.processed).toBe(before + 5);
    await pause(fresh.id);
    await pause(every.id);
  });

  it('exports a telemetry window as CSV through storage, downloadable until it is purged after 30 days', async () => {
    const [a, b] = [
      await createInstrument(api, crew.owner, crew.workspaceId, { serialNumber: `EXP-${Math.random()}` }),
      await createInstrument(api, crew.owner, crew.workspaceId, { serialNumber: `EXP-${Math.random()}` }),
    ];
    const now = Date.now();
    const backfill = async (id: string, body: unknown) => {
      const res = await api.request('POST', `${base()}/instruments/${id}/telemetry`, {
        token: crew.editor.token,
        body,
      });
      expect(res.status).toBe(202);
      expect((await finished(res.body.id)).status).toBe('succeeded');
    };
    // inside the last hour, and two hours ago (outside the window)
    await backfill(a.id, [
      { ts: now - 30 * 60_000, values: { ph: 7.1, temp: 21 } },
      { ts: now - 2 * 3600_000, values: { ph: 6.5 } },
    ]);
    await backfill(b.id, [{ ts: now - 10 * 60_000, values: { ph: 7.4 } }]);
    const s = await create({
      name: 'Hourly pH export',
      kind: 'telemetry-export',
      config: { instrumentIds: [a.id, b.id], windowMs: 3600_000, metrics: ['ph'] },
      cron: '0 * * * *',
      timezone: 'Europe/Berlin',
    });
    const done = await finished((await runNow(s.id)).body.id);
    expect(done).toMatchObject({ status: 'succeeded', kind: 'schedules.telemetry-export', scheduleId: s.id });
    expect(done.result).toMatchObject({ rows: 2 });
    expect(Date.parse(done.input.to) - Date.parse(done.input.from)).toBe(3600_000);
    const path = `${base()}/schedules/${s.id}/exports/${done.id}/download`;
    const csv = await api.request('GET', path, { token: crew.viewer.token });
    expect(csv.status).toBe(200);
    expect(String(csv.headers['content-type'])).toContain('text/csv');
    const lines = String(csv.body).trim().split('\n');
    expect(lines[0]).toBe('time,instrument_id,metric,value,tags');
    expect(lines.slice(1).map((l) => l.split(',').slice(1, 4))).toEqual([
      [a.id, 'ph', '7.1'],
      [b.id, 'ph', '7.4'],
    ]);
    // another schedule's id, or a job that is not an export: 404
    const wrong = await api.request(
      'GET',
      `${base()}/schedules/${s.id}/exports/${(await jobsOf(s.id))[0].id}x/download`,
      {
        token: crew.viewer.token,
      },
    );
    expect(wrong.status).toBe(404);
    // 31 days on, the purge deletes the file and the download answers 404
    await api.app
      .get(DataSource)
      .query(`UPDATE jobs SET finished_at = now() - interval '31 days' WHERE id = $1`, [done.id]);
    const purged = await workers[0].get(TelemetryExportService).purgeExpired();
    expect(purged.purged).toBeGreaterThanOrEqual(1);
    const gone = await api.request('GET', path, { token: crew.viewer.token });
    expect([gone.status, gone.body.code]).toEqual([404, 'SCHEDULE_EXPORT_NOT_FOUND']);
    expect((await job(done.id)).result.purged).toBe(true);
    await pause(s.id);
  });

  it('runs a 02:30 Europe/Berlin schedule once on each DST change day, whatever ticks BullMQ delivers', async () => {
    const instrument = await createInstrument(api, crew.owner, crew.workspaceId, {
      serialNumber: `DST-${Math.random()}`,
    });
    const s = await create({
      name: 'Nightly export',
      kind: 'telemetry-export',
      config: { instrumentIds: [instrument.id], windowMs: 3600_000 },
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      startAt: '2027-03-27T00:00:00Z',
    });
    await pause(s.id); // the ticks below are delivered by hand, at the times they would come
    const [{ revision }] = await api.app.get(DataSource).query(`SELECT revision FROM schedules WHERE id = $1`, [s.id]);
    await api.app.get(DataSource).query(`UPDATE schedules SET enabled = true WHERE id = $1`, [s.id]);
    const runner = workers[0].get(ScheduleRunService);
    const data = { scheduleId: s.id, workspaceId: crew.workspaceId, revision };
    const tick = (at: string, lateMs = 1000) => runner.tick(data, new Date(at), new Date(Date.parse(at) + lateMs));
    // spring forward (28 March): 02:30 does not exist; the run is at 03:30 CEST (01:30Z), once
    expect(await tick('2027-03-28T01:30:00Z')).toMatchObject({
      outcome: 'started',
      tickAt: '2027-03-28T01:30:00.000Z',
    });
    expect(await tick('2027-03-28T01:30:00Z')).toMatchObject({ outcome: 'dropped' });
    await finished((await runs(s.id))[0].jobId); // (so the next one is no overlap)
    // fall back (31 October): 02:30 CEST (00:30Z) runs; 02:30 CET an hour later (01:30Z) does not
    expect(await tick('2027-10-31T00:30:00Z')).toMatchObject({ outcome: 'started' });
    expect(await tick('2027-10-31T01:30:00Z')).toMatchObject({ outcome: 'dropped' });
    const all = await runs(s.id);
    expect(all.map((r) => r.tickAt).sort()).toEqual(['2027-03-28T01:30:00.000Z', '2027-10-31T00:30:00.000Z']);
    await pause(s.id);
  });

  it('checks the creator at run time: a disabled creator suspends the schedule instead of running it', async () => {
    docs.set('/u/1', 'Creator page');
    const s = await create({
      name: 'Creator checked',
      kind: 'ingestion',
      config: { urls: [url('/u/1')], mode: 'append' },
      intervalMs: TICK_MS,
      // first tick well after the creator is disabled below
      startAt: gridStart(4_000),
    });
    // disabled without going through the api (so no membership hook ran): the next tick notices
    await api.app.get(DataSource).query(`UPDATE users SET status = 'disabled' WHERE id = $1`, [crew.editor.id]);
    const suspended = await until(
      () => api.request('GET', `${base()}/schedules/${s.id}`, { token: crew.viewer.token }),
      (res) => res.body.status === 'suspended',
    );
    expect(suspended.body.suspendedReason).toBe("its creator's account is disabled");
    expect(suspended.body.lastRun).toMatchObject({
      status: 'skipped',
      reason: "suspended: its creator's account is disabled",
    });
    expect(await jobsOf(s.id)).toEqual([]);
    await api.app.get(DataSource).query(`UPDATE users SET status = 'active' WHERE id = $1`, [crew.editor.id]);
  });
});
