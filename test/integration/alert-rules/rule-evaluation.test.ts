import { INestApplicationContext } from '@nestjs/common';
import { MqttClient } from 'mqtt';
import { DataSource } from 'typeorm';
import { connectMqtt } from '../../support/mqtt-test-client';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/**
 * Rules evaluated by the real worker on live telemetry that instruments publish over the real broker,
 * with alerts raised through the alerts service (PostgreSQL, Redis, Mosquitto).
 */
describe('alert rule evaluation', () => {
  // the no-data and connectivity rules run on a 5 s schedule and act through queued jobs: a loaded
  // machine (CI runs three test files at once) takes much longer
  jest.setTimeout(150_000);

  let api: TestApi;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let ds: DataSource;
  const clients: MqttClient[] = [];

  const rules = () => `/api/v1/workspaces/${crew.workspaceId}/alert-rules`;

  beforeAll(async () => {
    api = await startTestApi({ LOGIN_IP_LIMIT_PER_MINUTE: '1000', TELEMETRY_LINGER_MS: '5' });
    worker = await startTestWorker(api);
    crew = await createWorkspaceCrew(api, 'Evaluation lab');
    ds = api.app.get(DataSource);
  });
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    await worker?.close();
    await api?.close();
  });

  /** An instrument connected to the broker with its own credentials. */
  async function instrument(body: Record<string, unknown> = {}) {
    const created = await createInstrument(api, crew.owner, crew.workspaceId, body);
    const client = await connectMqtt(api.config.mqtt.url, {
      username: created.id,
      password: created.mqttSecret,
      clientId: created.id,
    });
    clients.push(client);
    const publish = async (ts: number, values: Record<string, number>) => {
      await client.publishAsync(`labwire/instruments/${created.id}/telemetry`, JSON.stringify({ ts, values }), {
        qos: 1,
      });
    };
    const status = (state: 'online' | 'offline') =>
      client.publishAsync(`labwire/instruments/${created.id}/status`, JSON.stringify({ state }), { qos: 1 });
    return { id: created.id as string, publish, status };
  }

  async function createRule(body: Record<string, unknown>): Promise<string> {
    const res = await api.request('POST', rules(), { token: crew.editor.token, body });
    if (res.status !== 201) throw new Error(`create rule: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  const alertsOf = (instrumentId: string, key: string) =>
    ds.query(
      `SELECT state, trigger_count AS "triggerCount", priority FROM alerts
        WHERE instrument_id = $1 AND key = $2 ORDER BY opened_at`,
      [instrumentId, key],
    ) as Promise<Array<{ state: string; triggerCount: number; priority: number }>>;

  const historyOf = (instrumentId: string, key: string) =>
    ds.query(
      `SELECT action, actor_kind AS "actorKind", actor_id AS "actorId", alert_id AS "alertId" FROM alert_history
        WHERE instrument_id = $1 AND key = $2 ORDER BY at`,
      [instrumentId, key],
    ) as Promise<Array<{ action: string; actorKind: string; actorId: string; alertId: string | null }>>;

  /** Resolves once the reading at `ts` of `metric` is stored (its batch went through the rules too). */
  async function stored(instrumentId: string, metric: string, ts: number): Promise<void> {
    await until(async () => {
      const rows: unknown[] = await ds.query(
        `SELECT 1 FROM telemetry_latest WHERE instrument_id = $1 AND metric = $2 AND "time" >= $3`,
        [instrumentId, metric, new Date(ts)],
      );
      return rows.length > 0;
    }, `reading ${metric}@${ts} stored`);
  }

  async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for: ${what}`);
  }

  it('a value oscillating around the threshold with `for` and hysteresis opens one alert, not one per crossing', async () => {
    const inst = await instrument({ type: 'freezer' });
    const ruleId = await createRule({
      name: 'Warm',
      scope: { instrumentId: inst.id },
      metric: 'temp',
      condition: 'above',
      threshold: 50,
      clearThreshold: 40,
      forSeconds: 2,
      priority: 2,
      alertKey: 'too-warm',
    });
    const t0 = Date.now() - 60_000;
    // Above the threshold for 3 s of readings (250 ms apart): pending, then firing once `for` elapsed.
    for (let i = 0; i <= 12; i++) await inst.publish(t0 + i * 250, { temp: 55 });
    await until(async () => (await alertsOf(inst.id, 'too-warm')).length === 1, 'the alert opened');
    // Then 40 crossings of the threshold that never reach the clear threshold.
    const t1 = t0 + 4000;
    for (let i = 0; i < 40; i++) await inst.publish(t1 + i * 250, { temp: i % 2 ? 45 : 55 });
    await stored(inst.id, 'temp', t1 + 39 * 250);
    expect(await alertsOf(inst.id, 'too-warm')).toEqual([{ state: 'active', triggerCount: 1, priority: 2 }]);
    // Below the clear threshold: resolved, by the rule.
    await inst.publish(t1 + 20_000, { temp: 30 });
    await until(async () => (await alertsOf(inst.id, 'too-warm'))[0]?.state === 'resolved', 'the alert cleared');
    expect(await alertsOf(inst.id, 'too-warm')).toHaveLength(1);
    expect((await historyOf(inst.id, 'too-warm')).map((h) => [h.action, h.actorKind, h.actorId])).toEqual([
      ['triggered', 'rule', ruleId],
      ['cleared', 'rule', ruleId],
    ]);
  });

  it('rule changes reach the evaluation at once', async () => {
    const inst = await instrument();
    const t0 = Date.now() - 30_000;
    // Created, then a reading published right after the response: the worker already evaluates it.
    const ruleId = await createRule({
      name: 'Pressure',
      scope: { instrumentId: inst.id },
      metric: 'p',
      condition: 'above',
      threshold: 100,
      alertKey: 'pressure-high',
    });
    await inst.publish(t0, { p: 150 });
    await until(async () => (await alertsOf(inst.id, 'pressure-high')).length === 1, 'the alert opened');
    // Raised threshold: the same value is now below it, which clears (the old rule would keep firing).
    const patched = await api.request('PATCH', `${rules()}/${ruleId}`, {
      token: crew.editor.token,
      body: { threshold: 1000 },
    });
    expect(patched.status).toBe(200);
    await inst.publish(t0 + 1000, { p: 150 });
    await until(async () => (await alertsOf(inst.id, 'pressure-high'))[0]?.state === 'resolved', 'cleared');
    // Deleted: a breaching value raises nothing.
    expect((await api.request('DELETE', `${rules()}/${ruleId}`, { token: crew.editor.token })).status).toBe(204);
    await inst.publish(t0 + 2000, { p: 5000 });
    await stored(inst.id, 'p', t0 + 2000);
    expect(await alertsOf(inst.id, 'pressure-high')).toHaveLength(1);
  });

  it('an instrument in maintenance raises nothing (history: suppressed); back in service, the rule raises it', async () => {
    const inst = await instrument({ status: 'maintenance' });
    const ruleId = await createRule({
      name: 'pH',
      scope: { instrumentId: inst.id },
      metric: 'ph',
      condition: 'outside',
      range: { low: 6, high: 8 },
      alertKey: 'ph-out',
    });
    const t0 = Date.now() - 30_000;
    await inst.publish(t0, { ph: 9.5 });
    await until(async () => (await historyOf(inst.id, 'ph-out')).length === 1, 'the suppression recorded');
    expect(await historyOf(inst.id, 'ph-out')).toEqual([
      { action: 'suppressed', actorKind: 'rule', actorId: ruleId, alertId: null },
    ]);
    await inst.publish(t0 + 1000, { ph: 9.6 });
    await stored(inst.id, 'ph', t0 + 1000);
    expect(await alertsOf(inst.id, 'ph-out')).toEqual([]);
    const states = await api.request('GET', `${rules()}/${ruleId}/states`, { token: crew.viewer.token });
    expect(states.body).toEqual([
      expect.objectContaining({ instrumentId: inst.id, phase: 'firing', alerted: false, suppressedCount: 1 }),
    ]);

    const back = await api.request('PATCH', `/api/v1/workspaces/${crew.workspaceId}/instruments/${inst.id}`, {
      token: crew.editor.token,
      body: { status: 'active' },
    });
    expect(back.status).toBe(200);
    await inst.publish(t0 + 2000, { ph: 9.7 });
    await until(async () => (await alertsOf(inst.id, 'ph-out')).length === 1, 'the alert raised');
  });

  it('backfilled readings never fire rules', async () => {
    const inst = await instrument();
    await createRule({
      name: 'Level',
      scope: { instrumentId: inst.id },
      metric: 'level',
      condition: 'below',
      threshold: 10,
      alertKey: 'level-low',
    });
    const t0 = Date.now() - 60_000;
    const res = await api.request('POST', `/api/v1/workspaces/${crew.workspaceId}/instruments/${inst.id}/telemetry`, {
      token: crew.editor.token,
      body: [0, 1, 2].map((i) => ({ ts: t0 + i * 1000, values: { level: 1 } })),
    });
    expect(res.status).toBe(202);
    await stored(inst.id, 'level', t0 + 2000);
    // a live reading after them, not breaching, proves the worker evaluated what came after
    await inst.publish(t0 + 10_000, { level: 50 });
    await stored(inst.id, 'level', t0 + 10_000);
    expect(await alertsOf(inst.id, 'level-low')).toEqual([]);
  });

  it('a no-data rule fires when a metric stays silent, and clears when it reports again', async () => {
    const inst = await instrument();
    await inst.publish(Date.now(), { heartbeat: 1 });
    await createRule({
      name: 'Silent',
      kind: 'no_data',
      scope: { instrumentId: inst.id },
      metric: 'heartbeat',
      noDataSeconds: 2,
      alertKey: 'silent',
    });
    await until(async () => (await alertsOf(inst.id, 'silent'))[0]?.state === 'active', 'the no-data alert');
    // Reporting again (every 500 ms, well within noDataSeconds): the rule clears and stays clear.
    let reporting = true;
    const heartbeats = (async () => {
      for (let n = 2; reporting; n++) {
        await inst.publish(Date.now(), { heartbeat: n });
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    try {
      await until(async () => (await alertsOf(inst.id, 'silent'))[0]?.state === 'resolved', 'cleared by data');
      await new Promise((r) => setTimeout(r, 6000)); // a sweep or two more
      expect(await alertsOf(inst.id, 'silent')).toEqual([expect.objectContaining({ state: 'resolved' })]);
    } finally {
      reporting = false;
      // a publish that never completes (the instrument lost its broker session) must not hide the
      // failure above behind the test's timeout
      await Promise.race([heartbeats, new Promise((r) => setTimeout(r, 5000))]);
    }
  });

  it('a connectivity rule fires when the instrument goes offline and clears when it is back', async () => {
    const inst = await instrument({ type: 'pump' });
    await inst.status('online');
    await createRule({ name: 'Offline', kind: 'connectivity', scope: { instrumentType: 'pump' }, alertKey: 'offline' });
    await inst.status('offline');
    await until(async () => (await alertsOf(inst.id, 'offline'))[0]?.state === 'active', 'the offline alert');
    await inst.status('online');
    await until(async () => (await alertsOf(inst.id, 'offline'))[0]?.state === 'resolved', 'back online');
    expect(await alertsOf(inst.id, 'offline')).toHaveLength(1);
  });
});
