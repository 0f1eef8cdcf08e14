import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AlertJobsService, MaintenanceService } from '../../../libs/domain/src';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

const DAY = 86400_000;

/**
 * Escalation and auto-resolution run as delayed jobs on the `alerts` queue in the real worker; the
 * maintenance purge applies ALERT_HISTORY_RETENTION. Short delays, and conditions waited for.
 */
describe('alert escalation, auto-resolution and retention', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let ds: DataSource;
  const ws = () => `/api/v1/workspaces/${crew.workspaceId}`;
  const trigger = (key: string, body: Record<string, unknown> = {}) =>
    api.request('POST', `${ws()}/alerts/${key}/trigger`, { token: crew.editor.token, body });
  const config = (key: string, body: Record<string, unknown>) =>
    api.request('POST', `${ws()}/alert-configs`, { token: crew.editor.token, body: { key, ...body } });
  const alert = async (id: string) =>
    (await api.request('GET', `${ws()}/alerts/${id}`, { token: crew.viewer.token })).body;
  const actions = async (id: string) =>
    (await ds.query(
      `SELECT action, actor_kind AS "actorKind", priority FROM alert_history WHERE alert_id = $1 ORDER BY at`,
      [id],
    )) as Array<{ action: string; actorKind: string; priority: number }>;

  async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let value = await read();
    while (!done(value) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      value = await read();
    }
    return value;
  }

  beforeAll(async () => {
    api = await startTestApi();
    worker = await startTestWorker(api);
    crew = await createWorkspaceCrew(api, 'Escalation lab');
    ds = api.app.get(DataSource);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('raises an unacknowledged alert one step per escalateAfter, and stops once it is acknowledged', async () => {
    expect((await config('esc-acked', { defaultPriority: 4, escalateAfter: 1 })).status).toBe(201);
    expect((await config('esc-control', { defaultPriority: 5, escalateAfter: 1 })).status).toBe(201);
    const acked = (await trigger('esc-acked')).body.alert;
    const first = await until(
      () => alert(acked.id),
      (a) => a.escalations >= 1,
    );
    expect(first).toMatchObject({ priority: 3, escalations: 1, state: 'active' });
    const ack = await api.request('POST', `${ws()}/alerts/${acked.id}/acknowledge`, {
      token: crew.editor.token,
      body: {},
    });
    expect(ack.body).toMatchObject({ state: 'acknowledged', priority: 3 });
    // A control alert opened now escalates twice: by then the acknowledged one would have escalated again.
    const control = (await trigger('esc-control')).body.alert;
    expect(
      await until(
        () => alert(control.id),
        (a) => a.escalations >= 2,
      ),
    ).toMatchObject({ priority: 3, escalations: 2 });
    expect(await alert(acked.id)).toMatchObject({ priority: 3, escalations: 1, state: 'acknowledged' });
    expect(await actions(acked.id)).toEqual([
      { action: 'triggered', actorKind: 'user', priority: 4 },
      { action: 'escalated', actorKind: 'system', priority: 3 },
      { action: 'acknowledged', actorKind: 'user', priority: 3 },
    ]);
  });

  it('never escalates twice for one step, and not at all once cleared', async () => {
    await config('esc-once', { defaultPriority: 3, escalateAfter: 3600 });
    const opened = (await trigger('esc-once')).body.alert;
    const jobs = worker.get(AlertJobsService);
    // the job of step 0 run twice (a retry, a duplicate delivery): one escalation
    expect(await jobs.escalate(opened.id, 0)).toEqual({ outcome: 'changed' });
    expect(await jobs.escalate(opened.id, 0)).toEqual({ outcome: 'unchanged' });
    expect(await alert(opened.id)).toMatchObject({ priority: 2, escalations: 1 });
    await api.request('POST', `${ws()}/alerts/esc-once/clear`, { token: crew.editor.token, body: {} });
    expect(await jobs.escalate(opened.id, 1)).toEqual({ outcome: 'unchanged' });
    expect(await alert(opened.id)).toMatchObject({ priority: 2, state: 'resolved' });
  });

  it('resolves an alert nobody cleared autoResolveAfter its last trigger', async () => {
    await config('auto', { autoResolveAfter: 1 });
    const opened = (await trigger('auto')).body.alert;
    await new Promise((r) => setTimeout(r, 400));
    await trigger('auto'); // pushes the resolution out
    const resolved = await until(
      () => alert(opened.id),
      (a) => a.state === 'resolved',
    );
    expect(resolved).toMatchObject({ state: 'resolved', resolution: 'auto-resolved', triggerCount: 2 });
    expect(
      new Date(resolved.resolvedAt).getTime() - new Date(resolved.lastTriggeredAt).getTime(),
    ).toBeGreaterThanOrEqual(1000);
    expect((await actions(opened.id)).map((a) => [a.action, a.actorKind])).toEqual([
      ['triggered', 'user'],
      ['retriggered', 'user'],
      ['auto-resolved', 'system'],
    ]);
  });

  it('purges resolved alerts, their history and ended silences past ALERT_HISTORY_RETENTION, keeping open ones', async () => {
    const now = new Date();
    const old = new Date(now.getTime() - 400 * DAY);
    const [oldResolved] = await ds.query(
      `INSERT INTO alerts (workspace_id, key, state, priority, opened_at, last_triggered_at, resolved_at, resolution)
       VALUES ($1, 'old', 'resolved', 3, $2, $2, $2, 'cleared') RETURNING id`,
      [crew.workspaceId, old],
    );
    const [oldOpen] = await ds.query(
      `INSERT INTO alerts (workspace_id, key, state, priority, opened_at, last_triggered_at)
       VALUES ($1, 'old-open', 'active', 3, $2, $2) RETURNING id`,
      [crew.workspaceId, old],
    );
    for (const id of [oldResolved.id, oldOpen.id]) {
      await ds.query(
        `INSERT INTO alert_history (workspace_id, alert_id, key, action, actor_kind, at) VALUES ($1, $2, 'old', 'triggered', 'system', $3)`,
        [crew.workspaceId, id, old],
      );
    }
    await ds.query(
      `INSERT INTO alert_history (workspace_id, alert_id, key, action, actor_kind, at) VALUES ($1, NULL, 'rule-x', 'suppressed', 'rule', $2)`,
      [crew.workspaceId, old],
    );
    await ds.query(
      `INSERT INTO alert_silences (workspace_id, key, starts_at, ends_at, reason) VALUES ($1, 'old', $2, $3, 'old')`,
      [crew.workspaceId, old, new Date(old.getTime() + 3600_000)],
    );
    const report = await worker.get(MaintenanceService).purge(now);
    expect(report).toMatchObject({ alerts: 1, alertHistoryEntries: 1, alertSilences: 1 });
    expect(await ds.query(`SELECT key FROM alerts WHERE id = ANY($1::uuid[])`, [[oldResolved.id, oldOpen.id]])).toEqual(
      [{ key: 'old-open' }],
    );
    expect(await ds.query(`SELECT count(*)::int AS n FROM alert_history WHERE alert_id = $1`, [oldOpen.id])).toEqual([
      { n: 1 },
    ]);
    expect(await worker.get(MaintenanceService).purge(now)).toMatchObject({
      alerts: 0,
      alertHistoryEntries: 0,
      alertSilences: 0,
    });
  });
});
