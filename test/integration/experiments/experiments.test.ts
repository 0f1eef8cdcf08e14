import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobsService } from '../../../libs/domain/src';
import { QueueName, QueueRegistry } from '../../../libs/queue/src';
import { InstrumentSimulator } from '../../support/instrument-simulator';
import { describeRouteTable } from '../../support/route-table';
import { SseTestClient } from '../../support/sse-client';
import { createUser, startTestApi, TestApi } from '../../support/test-app';
import { startTestBroker, TestBroker } from '../../support/test-broker';
import { startTestWorker } from '../../support/test-worker';
import { createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/**
 * Protocols and experiments against the real PostgreSQL, Redis and Mosquitto, with the real worker
 * running `experiment.run` and simulated instruments answering over MQTT.
 */
describe('protocols and experiments', () => {
  jest.setTimeout(120_000);
  let api: TestApi;
  let broker: TestBroker;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let ds: DataSource;
  let baseUrl: string;
  const sims: InstrumentSimulator[] = [];
  const sse: SseTestClient[] = [];

  const ws = (rest = '') => `/api/v1/workspaces/${crew.workspaceId}${rest}`;
  const post = (path: string, body?: Record<string, unknown>, token = crew.editor.token) =>
    api.request('POST', ws(path), { token, body });
  const get = (path: string, query?: Record<string, string>) =>
    api.request('GET', ws(path), { token: crew.viewer.token, query });

  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 45_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let value = await read();
    while (!done(value) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      value = await read();
    }
    return value;
  }

  /** An instrument of the workspace, online over MQTT, answering commands as `behaviour` says. */
  async function simulated(
    behaviour?: Parameters<typeof InstrumentSimulator.connect>[3],
    body: Record<string, unknown> = { type: 'thermostat' },
  ): Promise<InstrumentSimulator> {
    const created = await createInstrument(api, crew.editor, crew.workspaceId, body);
    const sim = await InstrumentSimulator.connect(api.config.mqtt.url, created.id, created.mqttSecret, behaviour);
    sims.push(sim);
    await until(
      () => get(`/instruments/${sim.id}`),
      (r) => r.body.connectionState === 'online',
    );
    return sim;
  }

  async function protocol(body: Record<string, unknown>) {
    const res = await post('/protocols', { name: `P ${Math.random().toString(36).slice(2, 8)}`, ...body });
    expect([res.status, res.body.code]).toEqual([201, undefined]);
    return res.body;
  }

  async function experiment(protocolId: string, assignments: Record<string, string>, extra = {}) {
    const res = await post('/experiments', { protocolId, assignments, ...extra });
    expect([res.status, res.body.code, res.body.detail]).toEqual([201, undefined, undefined]);
    return res.body;
  }

  const finished = (id: string) =>
    until(
      () => get(`/experiments/${id}`),
      (r) => ['completed', 'failed', 'aborted'].includes(r.body.status),
    ).then((r) => r.body);

  beforeAll(async () => {
    broker = await startTestBroker();
    api = await startTestApi(broker.env);
    worker = await startTestWorker(api);
    crew = await createWorkspaceCrew(api);
    ds = api.app.get(DataSource);
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = await api.app.getUrl();
  });
  afterAll(async () => {
    sse.forEach((c) => c.close());
    await Promise.all(sims.map((s) => s.close()));
    await worker?.close();
    await api?.close();
    await broker?.stop();
  });

  describe('protocols', () => {
    it('refuses an invalid protocol with one field error per problem, and stores nothing', async () => {
      const before = (await get('/protocols')).body.total;
      const res = await post('/protocols', {
        name: 'Bad',
        roles: [{ name: 'heater' }],
        parameters: [{ name: 'target', type: 'number', default: 120, min: 0, max: 100 }],
        steps: [
          { kind: 'command', role: 'cooler', command: 'set', params: { c: '${tagret}' } },
          { kind: 'wait', durationSeconds: 100_000 },
          { kind: 'record', durationSeconds: 0 },
          { kind: 'teleport' },
        ],
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      const fields = res.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['steps[1].durationSeconds', 'steps[2].durationSeconds']));
      const semantic = await post('/protocols', {
        name: 'Bad 2',
        roles: [{ name: 'heater' }],
        parameters: [{ name: 'target', type: 'number', default: 120, min: 0, max: 100 }],
        steps: [{ kind: 'command', role: 'cooler', command: 'set', params: { c: '${tagret}' } }],
        abortCommand: { role: 'nobody', command: 'stop' },
      });
      expect(semantic.status).toBe(400);
      expect(semantic.body.errors).toEqual(
        expect.arrayContaining([
          { field: 'parameters[0].default', message: 'must be at most 100' },
          { field: 'steps[0].role', message: 'unknown role "cooler"' },
          { field: 'steps[0].params', message: '${tagret} names no parameter of the protocol' },
          { field: 'abortCommand.role', message: 'unknown role "nobody"' },
        ]),
      );
      expect((await get('/protocols')).body.total).toBe(before);
    });

    it('edits an unused version in place and makes a new version once an experiment uses it', async () => {
      const sim = await simulated();
      const p = await protocol({ roles: [{ name: 'r' }], steps: [{ kind: 'mark', label: 'a' }] });
      const edited = await api.request('PATCH', ws(`/protocols/${p.id}`), {
        token: crew.editor.token,
        body: { steps: [{ kind: 'mark', label: 'b' }] },
      });
      expect(edited.body).toMatchObject({ version: 1, versionFrozen: false });
      const e = await experiment(p.id, { r: sim.id });
      expect(e.protocolVersion).toBe(1);
      const again = await api.request('PATCH', ws(`/protocols/${p.id}`), {
        token: crew.editor.token,
        body: { steps: [{ kind: 'mark', label: 'c' }] },
      });
      expect(again.body).toMatchObject({ version: 2, versionFrozen: false });
      const v1 = await get(`/protocols/${p.id}/versions/1`);
      expect(v1.body.definition.steps).toEqual([{ kind: 'mark', label: 'b' }]);
      const del = await api.request('DELETE', ws(`/protocols/${p.id}`), { token: crew.editor.token });
      expect([del.status, del.body.code]).toEqual([409, 'PROTOCOL_IN_USE']);
      // the draft keeps version 1 until it asks for another
      expect((await get(`/experiments/${e.id}`)).body.protocolVersion).toBe(1);
    });
  });

  it('runs command, waitFor, record, wait and mark steps to completed, each step timed, the summary right', async () => {
    let temperature = 20;
    const sim = await simulated((name, params) => {
      if (name === 'set-temperature') temperature = Number(params.celsius);
      return { ok: true, result: { accepted: name }, delayMs: 50 };
    });
    // the instrument reports its temperature every 100 ms
    const reporter = setInterval(() => void sim.telemetry({ temperature, pressure: 1 }), 100);
    try {
      const p = await protocol({
        roles: [{ name: 'heater', type: 'thermostat' }],
        parameters: [{ name: 'target', type: 'number', default: 30, min: 0, max: 100 }],
        steps: [
          { kind: 'mark', label: 'begin', note: 'warming up' },
          {
            kind: 'command',
            name: 'heat',
            role: 'heater',
            command: 'set-temperature',
            params: { celsius: '${target}' },
          },
          {
            kind: 'waitFor',
            role: 'heater',
            metric: 'temperature',
            comparison: '>=',
            value: 36,
            timeoutSeconds: 30,
          },
          { kind: 'record', name: 'hold', durationSeconds: 1.5 },
          { kind: 'wait', durationSeconds: 0.5 },
          { kind: 'mark', label: 'end' },
        ],
        abortCommand: { role: 'heater', command: 'stop' },
      });
      const e = await experiment(p.id, { heater: sim.id }, { parameters: { target: 37 }, note: 'first run' });
      expect(e).toMatchObject({ status: 'draft', parameters: { target: 37 } });
      const events = await SseTestClient.connect(
        `${baseUrl}/api/v1/workspaces/${crew.workspaceId}/experiments/${e.id}/events`,
        {
          authorization: `Bearer ${crew.viewer.token}`,
        },
      );
      sse.push(events);
      await events.next((x) => x.event === 'status');
      const started = await post(`/experiments/${e.id}/start`, {});
      expect([started.status, started.body.code]).toEqual([202, undefined]);
      expect(started.body.jobId).toEqual(expect.any(String));
      expect(started.body.assignments[0].qualification).toMatchObject({ qualified: true, reasons: [] });

      const done = await finished(e.id);
      expect(done).toMatchObject({ status: 'completed', error: null, currentStep: 6 });
      expect(sim.named('set-temperature')).toHaveLength(1);
      expect(sim.named('set-temperature')[0].params).toEqual({ celsius: 37 });
      expect(sim.named('stop')).toHaveLength(0);

      const steps = (await get(`/experiments/${e.id}/steps`)).body;
      expect(steps.map((s: any) => [s.kind, s.status])).toEqual([
        ['mark', 'succeeded'],
        ['command', 'succeeded'],
        ['waitFor', 'succeeded'],
        ['record', 'succeeded'],
        ['wait', 'succeeded'],
        ['mark', 'succeeded'],
      ]);
      const ms = (s: any) => Date.parse(s.endedAt) - Date.parse(s.startedAt);
      for (let i = 1; i < steps.length; i++) {
        expect(Date.parse(steps[i].startedAt)).toBeGreaterThanOrEqual(Date.parse(steps[i - 1].endedAt));
      }
      expect(ms(steps[3])).toBeGreaterThanOrEqual(1500);
      expect(ms(steps[4])).toBeGreaterThanOrEqual(500);
      expect(steps[1].detail).toMatchObject({ result: { accepted: 'set-temperature' }, params: { celsius: 37 } });
      expect(steps[2].detail.value).toBeGreaterThanOrEqual(36);
      expect(steps[0].detail).toEqual({ label: 'begin', note: 'warming up' });

      // the summary agrees with the readings stored in the record step's window
      const summary = (await get(`/experiments/${e.id}/summary`)).body;
      expect(summary.steps.map((s: any) => s.durationSeconds)).toEqual(steps.map((s: any) => ms(s) / 1000));
      const record = summary.records.find((r: any) => r.step === 3);
      const expected = (
        await ds.query(
          `SELECT metric, count(*)::int AS count, min(value) AS min, max(value) AS max, avg(value) AS mean
             FROM telemetry WHERE instrument_id = $1 AND "time" >= $2 AND "time" < $3 GROUP BY metric ORDER BY metric`,
          [sim.id, steps[3].startedAt, steps[3].endedAt],
        )
      ).map((r: any) => ({ role: 'heater', instrumentId: sim.id, ...r }));
      expect(expected.length).toBe(2);
      expect(expected[0].count).toBeGreaterThan(3);
      expect(record.metrics.map(({ first: _f, last: _l, ...m }: any) => m)).toEqual(expected);
      expect(record.metrics.find((m: any) => m.metric === 'temperature')).toMatchObject({ min: 37, max: 37, last: 37 });
      const overall = summary.overall.find((m: any) => m.metric === 'pressure');
      expect(overall.count).toBeGreaterThanOrEqual(record.metrics.find((m: any) => m.metric === 'pressure').count);

      // the step's telemetry, and the CSV export with role and step columns
      const raw = await get(`/experiments/${e.id}/telemetry`, { step: '3', metrics: 'temperature', limit: '1000' });
      expect(raw.status).toBe(200);
      expect(raw.body.items).toHaveLength(record.metrics.find((m: any) => m.metric === 'temperature').count);
      const agg = await get(`/experiments/${e.id}/telemetry/aggregate`, { bucket: '1d', fn: 'count', step: '3' });
      expect(agg.status).toBe(200);
      const csv = await api.request('GET', ws(`/experiments/${e.id}/export`), { token: crew.viewer.token });
      expect(csv.status).toBe(200);
      const lines = (csv.body as string).trim().split('\n');
      expect(lines[0]).toBe('time,role,instrument_id,step,step_name,metric,value');
      expect(lines.length - 1).toBe(summary.overall.reduce((n: number, m: any) => n + m.count, 0));
      expect(lines.filter((l: string) => l.includes(',heater,') && l.includes(',3,hold,')).length).toBe(
        record.metrics.reduce((n: number, m: any) => n + m.count, 0),
      );

      // the event stream told the steps, the marks and the end
      await events.next((x) => x.event === 'status' && JSON.parse(x.data).status === 'completed', 10_000);
      expect(events.events.filter((x) => x.event === 'mark').map((x) => JSON.parse(x.data).label)).toEqual([
        'begin',
        'end',
      ]);
      expect(events.events.filter((x) => x.event === 'step').length).toBeGreaterThanOrEqual(12);

      // the run is a Jobs-API job
      const job = await get(`/jobs/${done.jobId}`);
      expect(job.body).toMatchObject({ kind: 'experiment.run', status: 'succeeded' });
    } finally {
      clearInterval(reporter);
    }
  });

  it('aborts the experiment when a command with onFailure abort fails, and sends the abort command', async () => {
    const sim = await simulated((name) => (name === 'jam' ? { ok: false, error: 'jammed' } : { ok: true }));
    const p = await protocol({
      roles: [{ name: 'pump' }],
      steps: [
        { kind: 'command', role: 'pump', command: 'prime' },
        { kind: 'command', role: 'pump', command: 'jam', onFailure: 'abort' },
        { kind: 'wait', durationSeconds: 30 },
      ],
      abortCommand: { role: 'pump', command: 'stop' },
    });
    const e = await experiment(p.id, { pump: sim.id });
    await post(`/experiments/${e.id}/start`);
    const done = await finished(e.id);
    expect(done.status).toBe('aborted');
    expect(done.error).toMatch(/step 1 \(command\) failed \(failed: jammed\)/);
    const steps = (await get(`/experiments/${e.id}/steps`)).body;
    expect(steps.map((s: any) => s.status)).toEqual(['succeeded', 'failed', 'skipped']);
    await until(
      async () => sim.named('stop').length,
      (n) => n > 0,
    );
    expect(sim.named('stop')).toHaveLength(1);
    expect(sim.named('jam')).toHaveLength(1);
  });

  it('continues past a failing command with onFailure continue, and retries with onFailure retry', async () => {
    let flaky = 0;
    const sim = await simulated((name) => {
      if (name === 'flaky') return ++flaky < 3 ? { ok: false, error: `try ${flaky}` } : { ok: true };
      return name === 'bad' ? { ok: false, error: 'no' } : { ok: true };
    });
    const p = await protocol({
      roles: [{ name: 'x' }],
      steps: [
        { kind: 'command', role: 'x', command: 'bad', onFailure: 'continue' },
        { kind: 'command', role: 'x', command: 'flaky', onFailure: 'retry', retries: 3 },
      ],
    });
    const e = await experiment(p.id, { x: sim.id });
    await post(`/experiments/${e.id}/start`);
    expect((await finished(e.id)).status).toBe('completed');
    const steps = (await get(`/experiments/${e.id}/steps`)).body;
    expect(steps.map((s: any) => [s.status, s.attempts])).toEqual([
      ['failed', 1],
      ['succeeded', 3],
    ]);
    expect(sim.named('flaky')).toHaveLength(3);
    expect(new Set(sim.named('flaky').map((c) => c.commandId)).size).toBe(3);
  });

  it('refuses a second experiment on an instrument held by another: 409 naming it', async () => {
    const sim = await simulated();
    const p = await protocol({ roles: [{ name: 'x' }], steps: [{ kind: 'wait', durationSeconds: 60 }] });
    const first = await experiment(p.id, { x: sim.id });
    const second = await experiment(p.id, { x: sim.id });
    expect((await post(`/experiments/${first.id}/start`)).status).toBe(202);
    const refused = await post(`/experiments/${second.id}/start`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'INSTRUMENT_BUSY', experimentId: first.id, instrumentId: sim.id });
    expect(refused.body.detail).toContain(first.id);
    expect((await get(`/experiments/${second.id}`)).body.status).toBe('draft');
    // the database says no too, whatever the service checked
    await expect(
      ds.query(`UPDATE experiment_instruments SET holds = true WHERE experiment_id = $1`, [second.id]),
    ).rejects.toThrow(/UQ_experiment_instruments_held/);
    await post(`/experiments/${first.id}/abort`);
    expect((await finished(first.id)).status).toBe('aborted');
    // freed: the second starts now
    expect((await post(`/experiments/${second.id}/start`)).status).toBe(202);
    await post(`/experiments/${second.id}/abort`);
    await finished(second.id);
  });

  it('aborts a running experiment at once: the wait ends aborted and the abort command is sent once', async () => {
    const sim = await simulated();
    const p = await protocol({
      roles: [{ name: 'x' }],
      steps: [
        { kind: 'mark', label: 'go' },
        { kind: 'wait', durationSeconds: 600 },
        { kind: 'mark', label: 'never' },
      ],
      abortCommand: { role: 'x', command: 'halt', params: { now: true } },
    });
    const e = await experiment(p.id, { x: sim.id });
    await post(`/experiments/${e.id}/start`);
    await until(
      () => get(`/experiments/${e.id}/steps`),
      (r) => r.body[1]?.status === 'running',
    );
    const asked = Date.now();
    const aborted = await post(`/experiments/${e.id}/abort`);
    expect(aborted.status).toBe(200);
    const done = await finished(e.id);
    expect(done.status).toBe('aborted');
    // a liveness bound, far under the 600 s wait
    expect(Date.now() - asked).toBeLessThan(30_000);
    const steps = (await get(`/experiments/${e.id}/steps`)).body;
    expect(steps.map((s: any) => s.status)).toEqual(['succeeded', 'aborted', 'skipped']);
    await until(
      async () => sim.named('halt').length,
      (n) => n > 0,
    );
    expect(sim.named('halt')).toEqual([expect.objectContaining({ params: { now: true } })]);
    const again = await post(`/experiments/${e.id}/abort`);
    expect([again.status, again.body.status]).toEqual([200, 'aborted']);
    const completedOne = await experiment(p.id, { x: sim.id });
    const drafted = await post(`/experiments/${completedOne.id}/abort`);
    expect(drafted.body.status).toBe('aborted');
    expect((await post(`/experiments/${completedOne.id}/start`)).body.code).toBe('EXPERIMENT_STATE_CONFLICT');
  });

  it('cancelling the run job through the Jobs API aborts the experiment as POST …/abort does', async () => {
    const sim = await simulated();
    const p = await protocol({
      roles: [{ name: 'x' }],
      steps: [
        { kind: 'mark', label: 'go' },
        { kind: 'wait', durationSeconds: 600 },
        { kind: 'mark', label: 'never' },
      ],
      abortCommand: { role: 'x', command: 'halt', params: { via: 'jobs' } },
    });
    // running: the wait ends aborted, the rest is skipped, the abort command is sent once, the job ends cancelled
    const e = await experiment(p.id, { x: sim.id });
    await post(`/experiments/${e.id}/start`);
    await until(
      () => get(`/experiments/${e.id}/steps`),
      (r) => r.body[1]?.status === 'running',
    );
    const { jobId } = (await get(`/experiments/${e.id}`)).body;
    const cancel = await post(`/jobs/${jobId}/cancel`);
    expect([cancel.status, cancel.body.status, cancel.body.cancelRequested]).toEqual([200, 'running', true]);
    expect((await get(`/experiments/${e.id}`)).body.abortRequested).toBe(true);
    const done = await finished(e.id);
    expect([done.status, done.error]).toEqual(['aborted', 'aborted on request']);
    const steps = (await get(`/experiments/${e.id}/steps`)).body;
    expect(steps.map((s: any) => s.status)).toEqual(['succeeded', 'aborted', 'skipped']);
    await until(
      async () => sim.named('halt').length,
      (n) => n > 0,
    );
    expect(sim.named('halt')).toEqual([expect.objectContaining({ params: { via: 'jobs' } })]);
    const job = await until(
      () => get(`/jobs/${jobId}`),
      (r) => r.body.status !== 'running',
    );
    expect(job.body.status).toBe('cancelled');
    const audit = await ds.query(
      `SELECT changes FROM audit_entries WHERE entity_type = 'experiment' AND entity_id = $1 ORDER BY created_at`,
      [e.id],
    );
    expect(audit.at(-1).changes).toEqual({ abortRequested: { from: false, to: true } });

    // scheduled: the experiment ends aborted at once and frees its instrument; the queued job is cancelled
    const later = await experiment(p.id, { x: sim.id });
    const scheduledAt = new Date(Date.now() + 3600_000).toISOString();
    expect((await post(`/experiments/${later.id}/start`, { scheduledAt })).status).toBe(202);
    const laterJob = (await get(`/experiments/${later.id}`)).body.jobId;
    const cancelled = await post(`/jobs/${laterJob}/cancel`);
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
    const ended = (await get(`/experiments/${later.id}`)).body;
    expect([ended.status, ended.error]).toEqual(['aborted', 'aborted before it started']);
    expect((await get(`/experiments/${later.id}/steps`)).body.every((s: any) => s.status === 'skipped')).toBe(true);
    const next = await experiment(p.id, { x: sim.id });
    expect((await post(`/experiments/${next.id}/start`)).status).toBe(202);
    await post(`/experiments/${next.id}/abort`);
    await finished(next.id);
    // cancelling a cancelled job changes nothing, and no abort command was sent for the scheduled one
    expect((await post(`/jobs/${laterJob}/cancel`)).body.status).toBe('cancelled');
    expect(sim.named('halt')).toHaveLength(1);
  });

  it('refuses unqualified instruments (409 naming each and why) unless the protocol allows them', async () => {
    const ok = await simulated();
    const overdue = await createInstrument(api, crew.editor, crew.workspaceId, {
      calibrationDueAt: new Date(Date.now() - 86_400_000).toISOString(),
    });
    const p = await protocol({ roles: [{ name: 'a' }, { name: 'b' }], steps: [{ kind: 'mark', label: 'x' }] });
    const refused = await post('/experiments', { protocolId: p.id, assignments: { a: ok.id, b: overdue.id } });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('INSTRUMENT_NOT_QUALIFIED');
    expect(refused.body.instruments).toEqual([
      {
        role: 'b',
        instrumentId: overdue.id,
        reasons: [{ code: 'CALIBRATION_OVERDUE', message: expect.stringContaining('due at') }],
      },
    ]);
    expect(refused.body.detail).toContain(overdue.id);
    // after a passing calibration record it is qualified again
    const calibrated = await post(`/instruments/${overdue.id}/calibrations`, {
      performedAt: new Date(Date.now() - 1000).toISOString(),
      performedBy: 'Metrology',
      result: 'pass',
      nextDueAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    });
    expect(calibrated.status).toBe(201);
    const fixed = await experiment(p.id, { a: ok.id, b: overdue.id });
    expect((await post(`/experiments/${fixed.id}/start`)).status).toBe(202);
    expect((await finished(fixed.id)).status).toBe('completed');
    const failedCal = await post(`/instruments/${overdue.id}/calibrations`, {
      performedAt: new Date().toISOString(),
      performedBy: 'Metrology',
      result: 'fail',
    });
    expect(failedCal.status).toBe(201);
    const lenient = await protocol({
      requireQualified: false,
      roles: [{ name: 'a' }],
      steps: [{ kind: 'mark', label: 'x' }],
    });
    const e = await experiment(lenient.id, { a: overdue.id });
    const started = await post(`/experiments/${e.id}/start`);
    expect(started.status).toBe(202);
    expect(started.body.assignments[0].qualification).toMatchObject({ qualified: false });
    await finished(e.id);
    // a draft whose instrument lost its qualification cannot start
    const draft = await experiment(p.id, { a: ok.id, b: (await simulated()).id });
    await api.request('PATCH', ws(`/instruments/${ok.id}`), {
      token: crew.editor.token,
      body: { status: 'maintenance' },
    });
    const blocked = await post(`/experiments/${draft.id}/start`);
    expect([blocked.status, blocked.body.code]).toEqual([409, 'INSTRUMENT_NOT_QUALIFIED']);
    expect(blocked.body.instruments).toEqual([
      {
        role: 'a',
        instrumentId: ok.id,
        reasons: [{ code: 'NOT_ACTIVE', message: expect.stringContaining('maintenance') }],
      },
    ]);
  });

  it('flags an instrument that loses its qualification mid-run', async () => {
    const sim = await simulated();
    const p = await protocol({
      roles: [{ name: 'x' }],
      steps: [
        { kind: 'wait', durationSeconds: 2 },
        { kind: 'mark', label: 'after' },
      ],
    });
    const e = await experiment(p.id, { x: sim.id });
    await post(`/experiments/${e.id}/start`);
    await until(
      () => get(`/experiments/${e.id}/steps`),
      (r) => r.body[0]?.status === 'running',
    );
    await ds.query(`UPDATE instruments SET calibration_due_at = now() - interval '1 hour' WHERE id = $1`, [sim.id]);
    const done = await finished(e.id);
    expect(done.status).toBe('completed');
    expect(done.flags).toEqual([
      expect.objectContaining({ kind: 'qualification_lost', instrumentId: sim.id, role: 'x', step: 1 }),
    ]);
  });

  it('lists experiments with filters', async () => {
    const sim = await simulated();
    const p = await protocol({ roles: [{ name: 'x' }], steps: [{ kind: 'mark', label: 'x' }] });
    const e = await experiment(p.id, { x: sim.id });
    await post(`/experiments/${e.id}/start`);
    await finished(e.id);
    const byProtocol = (await get('/experiments', { protocolId: p.id })).body;
    expect(byProtocol.items.map((x: any) => x.id)).toEqual([e.id]);
    expect((await get('/experiments', { instrumentId: sim.id })).body.total).toBe(1);
    expect((await get('/experiments', { instrumentId: sim.id, status: 'draft,running' })).body.total).toBe(0);
    expect(
      (await get('/experiments', { protocolId: p.id, from: new Date(Date.now() + 3_600_000).toISOString() })).body
        .total,
    ).toBe(0);
    expect(
      (await get('/experiments', { protocolId: p.id, to: new Date(Date.now() - 3_600_000).toISOString() })).body.total,
    ).toBe(0);
    expect((await get('/experiments', { status: 'nope' })).status).toBe(400);
  });

  /**
   * An experiment on a simulated instrument whose first step (a 10-minute wait, then a mark; abort
   * command `park`) is running: what a cancel or a given-up run interrupts.
   */
  async function runningLongWait() {
    const sim = await simulated();
    const p = await protocol({
      roles: [{ name: 'x' }],
      steps: [
        { kind: 'wait', durationSeconds: 600 },
        { kind: 'mark', label: 'never' },
      ],
      abortCommand: { role: 'x', command: 'park' },
    });
    const e = await experiment(p.id, { x: sim.id });
    await post(`/experiments/${e.id}/start`);
    await until(
      () => get(`/experiments/${e.id}/steps`),
      (r) => r.body[0]?.status === 'running',
    );
    const { jobId } = (await get(`/experiments/${e.id}`)).body;
    return { sim, p, e, jobId: jobId as string };
  }

  it('aborts the experiment when its run job was cancelled while no worker ran it', async () => {
    const { sim, e, jobId } = await runningLongWait();
    // the run is paused with its worker: the cancel is seen by the next worker before the run resumes
    await worker.close();
    const cancel = await post(`/jobs/${jobId}/cancel`);
    expect([cancel.status, cancel.body.cancelRequested]).toEqual([200, true]);
    worker = await startTestWorker(api);
    const done = await finished(e.id);
    expect([done.status, done.error]).toEqual(['aborted', 'aborted on request']);
    const steps = (await get(`/experiments/${e.id}/steps`)).body;
    expect(steps.map((s: any) => s.status)).toEqual(['aborted', 'skipped']);
    await until(
      async () => sim.named('park').length,
      (n) => n > 0,
    );
    expect(sim.named('park')).toHaveLength(1);
    expect((await get(`/jobs/${jobId}`)).body.status).toBe('cancelled');
  });

  it('aborts the experiment when its run job is cancelled while queued between two attempts (no run to see it)', async () => {
    const { sim, e, jobId } = await runningLongWait();
    // as after a failed attempt: the job queued again for its next one, the experiment still running
    await worker.close();
    await api.app.get(JobsService).requeue({ jobId, workspaceId: crew.workspaceId }, 'attempt 1 of 3 failed: boom');
    expect((await get(`/jobs/${jobId}`)).body.status).toBe('queued');
    try {
      const cancel = await post(`/jobs/${jobId}/cancel`);
      expect([cancel.status, cancel.body.status]).toEqual([200, 'cancelled']);
      // with no worker running, the cancel itself carried out the abort
      const done = await finished(e.id);
      expect([done.status, done.error]).toEqual(['aborted', 'aborted on request']);
      expect((await get(`/experiments/${e.id}/steps`)).body.map((s: any) => s.status)).toEqual(['aborted', 'skipped']);
      await until(
        async () => sim.named('park').length,
        (n) => n > 0,
      );
      expect(sim.named('park')).toHaveLength(1);
    } finally {
      worker = await startTestWorker(api);
    }
  });

  it('fails the experiment and frees its instruments when BullMQ gives its run up (its workers kept dying)', async () => {
    const { sim, p, e, jobId } = await runningLongWait();
    await worker.close();
    // what BullMQ leaves after the last allowed stall: the job flagged to fail at its next pick-up
    const queue = api.app.get(QueueRegistry).get(QueueName.Experiments);
    await (await queue.client).hset(queue.toKey(jobId), { defa: 'job stalled more than allowable limit' });
    worker = await startTestWorker(api);
    const done = await finished(e.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/given up/);
    expect((await get(`/jobs/${jobId}`)).body.status).toBe('failed');
    // its instrument is free for the next experiment
    const next = await experiment(p.id, { x: sim.id });
    expect((await post(`/experiments/${next.id}/start`)).status).toBe(202);
    await post(`/experiments/${next.id}/abort`);
  });

  it('pauses a run when its worker shuts down (not waiting out the step), and the next worker resumes it', async () => {
    const sim = await simulated();
    const p = await protocol({
      roles: [{ name: 'x' }],
      steps: [
        { kind: 'wait', durationSeconds: 8 },
        { kind: 'mark', label: 'after' },
      ],
    });
    const e = await experiment(p.id, { x: sim.id });
    await post(`/experiments/${e.id}/start`);
    const before = await until(
      () => get(`/experiments/${e.id}/steps`),
      (r) => r.body[0]?.status === 'running',
    );
    await worker.close();
    // the shutdown did not wait for the step: it is still running, its experiment too
    const paused = (await get(`/experiments/${e.id}/steps`)).body;
    expect(paused[0]).toMatchObject({ status: 'running', endedAt: null });
    expect((await get(`/experiments/${e.id}`)).body.status).toBe('running');
    worker = await startTestWorker(api);
    const done = await finished(e.id);
    expect(done.status).toBe('completed');
    const steps = (await get(`/experiments/${e.id}/steps`)).body;
    expect(steps[0].startedAt).toBe(before.body[0].startedAt);
    expect(Date.parse(steps[0].endedAt) - Date.parse(steps[0].startedAt)).toBeGreaterThanOrEqual(8000);
    const job = (await get(`/jobs/${done.jobId}`)).body;
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  describeRouteTable(
    'experiments',
    async () => {
      const c = await createWorkspaceCrew(api);
      const inst = await createInstrument(api, c.editor, c.workspaceId);
      const p = await api.request('POST', `/api/v1/workspaces/${c.workspaceId}/protocols`, {
        token: c.editor.token,
        body: { name: 'Route table', roles: [{ name: 'x' }], steps: [{ kind: 'mark', label: 'm' }] },
      });
      const run = await api.request('POST', `/api/v1/workspaces/${c.workspaceId}/experiments`, {
        token: c.editor.token,
        body: { protocolId: p.body.id, assignments: { x: inst.id } },
      });
      await api.request('POST', `/api/v1/workspaces/${c.workspaceId}/experiments/${run.body.id}/start`, {
        token: c.editor.token,
      });
      await until(
        () =>
          api.request('GET', `/api/v1/workspaces/${c.workspaceId}/experiments/${run.body.id}`, {
            token: c.owner.token,
          }),
        (r) => r.body.status === 'completed',
      );
      const draft = await api.request('POST', `/api/v1/workspaces/${c.workspaceId}/experiments`, {
        token: c.editor.token,
        body: { protocolId: p.body.id, assignments: { x: inst.id } },
      });
      const w = `/api/v1/workspaces/${c.workspaceId}`;
      const [pid, eid, did] = [p.body.id, run.body.id, draft.body.id];
      crewForSnapshot = c;
      return {
        api,
        crew: c,
        admin: await createUser(api, { role: 'admin' }),
        routes: [
          { method: 'GET', path: `${w}/protocols`, role: 'viewer' },
          {
            method: 'POST',
            path: `${w}/protocols`,
            role: 'editor',
            body: { name: 'x', roles: [{ name: 'r' }], steps: [{ kind: 'mark', label: 'l' }] },
          },
          { method: 'GET', path: `${w}/protocols/${pid}`, role: 'viewer' },
          { method: 'PATCH', path: `${w}/protocols/${pid}`, role: 'editor', body: { description: 'changed' } },
          { method: 'DELETE', path: `${w}/protocols/${pid}`, role: 'editor' },
          { method: 'GET', path: `${w}/protocols/${pid}/versions`, role: 'viewer' },
          { method: 'GET', path: `${w}/protocols/${pid}/versions/1`, role: 'viewer' },
          { method: 'GET', path: `${w}/experiments`, role: 'viewer' },
          { method: 'POST', path: `${w}/experiments`, role: 'editor', body: { protocolId: pid } },
          { method: 'GET', path: `${w}/experiments/${eid}`, role: 'viewer' },
          { method: 'PATCH', path: `${w}/experiments/${did}`, role: 'editor', body: { note: 'changed' } },
          { method: 'POST', path: `${w}/experiments/${did}/start`, role: 'editor', body: {} },
          { method: 'POST', path: `${w}/experiments/${did}/abort`, role: 'editor' },
          { method: 'GET', path: `${w}/experiments/${eid}/steps`, role: 'viewer' },
          { method: 'GET', path: `${w}/experiments/${eid}/telemetry`, role: 'viewer' },
          { method: 'GET', path: `${w}/experiments/${eid}/telemetry/aggregate`, role: 'viewer' },
          { method: 'GET', path: `${w}/experiments/${eid}/summary`, role: 'viewer' },
          { method: 'GET', path: `${w}/experiments/${eid}/export`, role: 'viewer' },
        ],
      };
    },
    async () =>
      ds.query(
        `SELECT (SELECT json_agg(p ORDER BY p.id) FROM protocols p WHERE p.workspace_id = $1) AS protocols,
                (SELECT json_agg(e ORDER BY e.id) FROM experiments e WHERE e.workspace_id = $1) AS experiments`,
        [crewForSnapshot.workspaceId],
      ),
  );
  let crewForSnapshot: WorkspaceCrew;
});
