import { waitFor } from '../support/built-app';
import { BuiltStack, ConnectedInstrument } from '../support/built-stack';

/**
 * A threshold rule with `for` is pending (persisted) when the built worker is killed (SIGKILL); the
 * readings published meanwhile wait in the queue; the restarted worker resumes the pending state and
 * fires exactly once, at a reading where `for` had elapsed since the first breaching reading.
 */
describe('alert rules, end to end (built api and worker)', () => {
  let stack: BuiltStack;
  let probe: ConnectedInstrument;
  let workspaceId: string;

  beforeAll(async () => {
    stack = await BuiltStack.start({ ownBroker: true, env: { TELEMETRY_LINGER_MS: '5' } });
    workspaceId = (await stack.http('POST', '/api/v1/workspaces', { name: 'Rules' })).body.id;
    probe = await stack.connectNewInstrument(workspaceId);
  });
  afterAll(() => stack?.close());

  const publish = (ts: number, temp: number) =>
    probe.client.publishAsync(`labwire/instruments/${probe.id}/telemetry`, JSON.stringify({ ts, values: { temp } }), {
      qos: 1,
    });

  it('ends with exactly one alert when the worker is killed between pending and firing', async () => {
    const rule = await stack.http('POST', `/api/v1/workspaces/${workspaceId}/alert-rules`, {
      name: 'Too warm',
      scope: { instrumentId: probe.id },
      metric: 'temp',
      condition: 'above',
      threshold: 50,
      forSeconds: 4,
      alertKey: 'too-warm',
    });
    expect(rule.status).toBe(201);
    const state = async () =>
      (
        await stack.pg.query(
          `SELECT phase, since, firing_since AS "firingSince" FROM alert_rule_states WHERE rule_id = $1`,
          [rule.body.id],
        )
      ).rows[0] as { phase: string; since: Date | null; firingSince: Date | null } | undefined;
    const alerts = async () =>
      (
        await stack.pg.query(
          `SELECT state, trigger_count AS "triggerCount" FROM alerts WHERE instrument_id = $1 AND key = 'too-warm'`,
          [probe.id],
        )
      ).rows;

    const t0 = Date.now() - 60_000;
    await publish(t0, 60);
    await waitFor(async () => (await state())?.phase === 'pending', 30_000, 'the rule to be pending');
    stack.worker.child.kill('SIGKILL');
    await stack.worker.exited;

    // While the worker is down the bridge queues these; `for` (4 s of reading time) elapses at t0 + 4 s.
    for (let s = 1; s <= 8; s++) await publish(t0 + s * 1000, 60);
    expect(await alerts()).toEqual([]);

    await stack.startWorker();
    await waitFor(async () => (await alerts()).length > 0, 60_000, 'the alert to open after the restart');
    // More breaching readings keep it firing: still one alert, triggered once.
    for (let s = 9; s <= 12; s++) await publish(t0 + s * 1000, 60);
    await waitFor(
      async () =>
        (
          await stack.pg.query(`SELECT 1 FROM telemetry_latest WHERE instrument_id = $1 AND "time" >= $2`, [
            probe.id,
            new Date(t0 + 12_000),
          ])
        ).rows.length > 0,
      30_000,
      'the last readings to be stored',
    );
    expect(await alerts()).toEqual([{ state: 'active', triggerCount: 1 }]);
    // The pending state survived the kill: it fired once `for` (4 s of reading time) had elapsed since
    // the first breach, at t0 + 4 s or, when the queued batches were stored out of order by concurrent
    // jobs, at the first later reading evaluated.
    const after = await state();
    expect(after?.phase).toBe('firing');
    expect(after?.firingSince?.getTime()).toBeGreaterThanOrEqual(t0 + 4000);
    expect(after?.firingSince?.getTime()).toBeLessThanOrEqual(t0 + 8000);
    const history = await stack.pg.query(`SELECT action FROM alert_history WHERE instrument_id = $1`, [probe.id]);
    expect(history.rows).toEqual([{ action: 'triggered' }]);
  });
});
