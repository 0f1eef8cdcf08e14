import { DataSource } from 'typeorm';
import { createUser, startTestApi, TestApi, TestUser } from '../../support/test-app';
import { describeRouteTable, ScopedRoute } from '../../support/route-table';
import { createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/**
 * Alert configs, the alert lifecycle over REST, history, stats and silences against the real
 * PostgreSQL, Redis and Mosquitto (the run's broker: nothing here signs instruments in).
 */
describe('alerts over REST', () => {
  let api: TestApi;
  let crew: WorkspaceCrew;
  let admin: TestUser;
  let ds: DataSource;
  const ws = () => `/api/v1/workspaces/${crew.workspaceId}`;
  const trigger = (key: string, body: Record<string, unknown> = {}, token = crew.editor.token) =>
    api.request('POST', `${ws()}/alerts/${key}/trigger`, { token, body });
  const clear = (key: string, body: Record<string, unknown> = {}, token = crew.editor.token) =>
    api.request('POST', `${ws()}/alerts/${key}/clear`, { token, body });

  beforeAll(async () => {
    api = await startTestApi({ LOGIN_IP_LIMIT_PER_MINUTE: '1000' });
    crew = await createWorkspaceCrew(api, 'Alert lab');
    admin = await createUser(api, { role: 'admin' });
    ds = api.app.get(DataSource);
  });
  afterAll(() => api?.close());

  describe('configs', () => {
    it('creates, reads, changes and deletes a config, audited; a taken key is 409, a bad one 400', async () => {
      const created = await api.request('POST', `${ws()}/alert-configs`, {
        token: crew.editor.token,
        body: {
          key: 'freezer-temp-high',
          name: 'Freezer too warm',
          defaultPriority: 2,
          display: { color: '#FF8800', effect: 'blink' },
          escalateAfter: 900,
        },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        key: 'freezer-temp-high',
        defaultPriority: 2,
        display: { color: '#FF8800', effect: 'blink' },
        escalateAfter: 900,
        autoResolveAfter: null,
        notifyMinPriority: 5,
        notificationChannelIds: [],
      });
      const taken = await api.request('POST', `${ws()}/alert-configs`, {
        token: crew.editor.token,
        body: { key: 'freezer-temp-high' },
      });
      expect([taken.status, taken.body.code]).toEqual([409, 'ALERT_CONFIG_KEY_TAKEN']);
      for (const body of [
        { key: 'Bad Key' },
        { key: 'ok-key', defaultPriority: 6 },
        { key: 'ok-key', display: { color: 'chartreuse-ish' } },
        { key: 'ok-key', display: { effect: 'strobe' } },
        { key: 'ok-key', escalateAfter: '15m' },
      ]) {
        const bad = await api.request('POST', `${ws()}/alert-configs`, { token: crew.editor.token, body });
        expect([JSON.stringify(body), bad.status, bad.body.code]).toEqual([
          JSON.stringify(body),
          400,
          'VALIDATION_FAILED',
        ]);
      }
      const patched = await api.request('PATCH', `${ws()}/alert-configs/${created.body.id}`, {
        token: crew.editor.token,
        body: { display: { effect: 'pulse' }, escalateAfter: null },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ display: { color: '#FF8800', effect: 'pulse' }, escalateAfter: null });
      const audit = await api.request('GET', `${ws()}/audit-log`, {
        token: crew.viewer.token,
        query: { pageSize: 50 },
      });
      const entries = audit.body.items.filter((e: any) => e.entityId === created.body.id);
      expect(entries.map((e: any) => e.action).sort()).toEqual(['create', 'update']);
      const del = await api.request('DELETE', `${ws()}/alert-configs/${created.body.id}`, { token: crew.editor.token });
      expect(del.status).toBe(204);
      const gone = await api.request('GET', `${ws()}/alert-configs/${created.body.id}`, { token: crew.viewer.token });
      expect([gone.status, gone.body.code]).toEqual([404, 'ALERT_CONFIG_NOT_FOUND']);
    });

    it('creates the config of an unknown key on its first trigger, with the defaults, audited', async () => {
      const res = await trigger('door-open');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ opened: true, silenced: false, alert: { key: 'door-open', priority: 3 } });
      const configs = await api.request('GET', `${ws()}/alert-configs`, { token: crew.viewer.token });
      const config = configs.body.items.find((c: any) => c.key === 'door-open');
      expect(config).toMatchObject({
        name: 'door-open',
        defaultPriority: 3,
        display: { color: 'red', effect: 'steady' },
      });
      const audited = await ds.query(`SELECT actor_user_id FROM audit_entries WHERE entity_id = $1`, [config.id]);
      expect(audited).toEqual([{ actor_user_id: crew.editor.id }]);
    });
  });

  describe('lifecycle', () => {
    it('opens, re-triggers (count, priority override, note), acknowledges and clears, recording each step', async () => {
      const first = await trigger('ph-low', { note: 'pH 5.9' });
      expect(first.body.opened).toBe(true);
      const again = await trigger('ph-low', { priority: 1 });
      expect(again.body).toMatchObject({
        opened: false,
        alert: { id: first.body.alert.id, triggerCount: 2, priority: 1, note: 'pH 5.9', state: 'active' },
      });
      const noOverride = await trigger('ph-low', { note: 'pH 5.7' });
      expect(noOverride.body.alert).toMatchObject({ triggerCount: 3, priority: 1, note: 'pH 5.7' });
      const id = first.body.alert.id;
      const ack = await api.request('POST', `${ws()}/alerts/${id}/acknowledge`, {
        token: crew.editor.token,
        body: { note: 'looking' },
      });
      expect(ack.status).toBe(200);
      expect(ack.body.state).toBe('acknowledged');
      const ackAgain = await api.request('POST', `${ws()}/alerts/${id}/acknowledge`, {
        token: crew.editor.token,
        body: {},
      });
      expect([ackAgain.status, ackAgain.body.state]).toEqual([200, 'acknowledged']);
      const cleared = await clear('ph-low', { note: 'buffer replaced' });
      expect(cleared.body).toMatchObject({ cleared: true, alert: { id, state: 'resolved', resolution: 'cleared' } });
      const nothing = await clear('ph-low');
      expect(nothing.body).toEqual({ cleared: false, alert: null });
      const late = await api.request('POST', `${ws()}/alerts/${id}/acknowledge`, {
        token: crew.editor.token,
        body: {},
      });
      expect([late.status, late.body.code]).toEqual([409, 'ALERT_RESOLVED']);
      // A new trigger after the clear opens a new alert.
      const reopened = await trigger('ph-low');
      expect(reopened.body.opened).toBe(true);
      expect(reopened.body.alert.id).not.toBe(id);

      const history = await api.request('GET', `${ws()}/alerts/history`, {
        token: crew.viewer.token,
        query: { alertId: id },
      });
      expect(history.body.items.map((e: any) => [e.action, e.actorKind, e.actorId, e.note]).reverse()).toEqual([
        ['triggered', 'user', crew.editor.id, 'pH 5.9'],
        ['retriggered', 'user', crew.editor.id, null],
        ['retriggered', 'user', crew.editor.id, 'pH 5.7'],
        ['acknowledged', 'user', crew.editor.id, 'looking'],
        ['cleared', 'user', crew.editor.id, 'buffer replaced'],
      ]);
    });

    it('keeps alerts of one key apart per instrument, and refuses instruments of other workspaces', async () => {
      const a = await createInstrument(api, crew.editor, crew.workspaceId);
      const b = await createInstrument(api, crew.editor, crew.workspaceId);
      const ra = await trigger('temp-high', { instrumentId: a.id });
      const rb = await trigger('temp-high', { instrumentId: b.id });
      const rn = await trigger('temp-high');
      expect(new Set([ra.body.alert.id, rb.body.alert.id, rn.body.alert.id]).size).toBe(3);
      const cleared = await clear('temp-high', { instrumentId: a.id });
      expect(cleared.body.alert.id).toBe(ra.body.alert.id);
      const open = await api.request('GET', `${ws()}/alerts`, {
        token: crew.viewer.token,
        query: { key: 'temp-high', state: 'active,acknowledged' },
      });
      expect(open.body.items.map((x: any) => x.id).sort()).toEqual([rb.body.alert.id, rn.body.alert.id].sort());
      const other = await createWorkspaceCrew(api, 'Elsewhere');
      const foreign = await createInstrument(api, other.owner, other.workspaceId);
      const res = await trigger('temp-high', { instrumentId: foreign.id });
      expect([res.status, res.body.code]).toEqual([404, 'INSTRUMENT_NOT_FOUND']);
    });

    it('validates input: bad key, priority, unknown fields', async () => {
      for (const [key, body] of [
        ['Not A Slug', {}],
        ['ok', { priority: 0 }],
        ['ok', { priority: 'high' }],
        ['ok', { colour: 'red' }],
        ['ok', { instrumentId: 'nope' }],
      ] as const) {
        const res = await trigger(key, body);
        expect([key, res.status, res.body.code]).toEqual([key, 400, 'VALIDATION_FAILED']);
      }
    });

    it('gives 50 concurrent triggers of one key exactly one open alert with triggerCount 50', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => trigger('burst', { note: `n${i}` })));
      expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
      expect(results.filter((r) => r.body.opened)).toHaveLength(1);
      const rows = await ds.query(
        `SELECT trigger_count FROM alerts WHERE workspace_id = $1 AND key = 'burst' AND state <> 'resolved'`,
        [crew.workspaceId],
      );
      expect(rows).toEqual([{ trigger_count: 50 }]);
      const configs = await ds.query(
        `SELECT count(*)::int AS n FROM alert_configs WHERE workspace_id = $1 AND key = 'burst'`,
        [crew.workspaceId],
      );
      expect(configs[0].n).toBe(1);
    });
  });

  describe('current alert', () => {
    it('answers the most urgent open alert (ties: the latest), with its display, or active: false', async () => {
      const crew2 = await createWorkspaceCrew(api, 'Display lab');
      const path = `/api/v1/workspaces/${crew2.workspaceId}`;
      const empty = await api.request('GET', `${path}/alerts/current`, { token: crew2.viewer.token });
      expect(empty.body).toMatchObject({ active: false });
      await api.request('POST', `${path}/alert-configs`, {
        token: crew2.owner.token,
        body: { key: 'fire', defaultPriority: 1, display: { color: 'red', effect: 'blink' } },
      });
      const t = (key: string, body = {}) =>
        api.request('POST', `${path}/alerts/${key}/trigger`, { token: crew2.owner.token, body });
      await t('minor', { priority: 4 });
      await t('other-minor', { priority: 4 });
      let current = await api.request('GET', `${path}/alerts/current`, { token: crew2.viewer.token });
      expect(current.body).toMatchObject({ active: true, key: 'other-minor', priority: 4 });
      await t('fire');
      current = await api.request('GET', `${path}/alerts/current`, { token: crew2.viewer.token });
      expect(current.body).toMatchObject({
        active: true,
        key: 'fire',
        priority: 1,
        display: { color: 'red', effect: 'blink' },
      });
      expect(current.body.seq).toBeGreaterThan(0);
      await api.request('POST', `${path}/alerts/fire/clear`, { token: crew2.owner.token, body: {} });
      current = await api.request('GET', `${path}/alerts/current`, { token: crew2.viewer.token });
      expect(current.body.key).toBe('other-minor');
    });
  });

  describe('access', () => {
    let routes: ScopedRoute[];
    let alertId: string;
    let configId: string;
    let silenceId: string;
    beforeAll(async () => {
      const r = await trigger('route-table');
      alertId = r.body.alert.id;
      configId = (await api.request('GET', `${ws()}/alert-configs`, { token: crew.owner.token })).body.items[0].id;
      const s = await api.request('POST', `${ws()}/alert-silences`, {
        token: crew.owner.token,
        body: { key: 'route-table', endsAt: new Date(Date.now() + 3600_000).toISOString(), reason: 'test' },
      });
      silenceId = s.body.id;
      const w = ws();
      const endsAt = new Date(Date.now() + 7200_000).toISOString();
      routes = [
        { method: 'GET', path: `${w}/alert-configs`, role: 'viewer' },
        { method: 'POST', path: `${w}/alert-configs`, role: 'editor', body: { key: 'rt-new' } },
        { method: 'GET', path: `${w}/alert-configs/${configId}`, role: 'viewer' },
        { method: 'PATCH', path: `${w}/alert-configs/${configId}`, role: 'editor', body: { name: 'Renamed' } },
        { method: 'DELETE', path: `${w}/alert-configs/${configId}`, role: 'editor' },
        { method: 'GET', path: `${w}/alerts`, role: 'viewer' },
        { method: 'GET', path: `${w}/alerts/current`, role: 'viewer' },
        { method: 'GET', path: `${w}/alerts/history`, role: 'viewer' },
        { method: 'GET', path: `${w}/alerts/history/export`, role: 'viewer' },
        { method: 'GET', path: `${w}/alerts/stats`, role: 'viewer' },
        { method: 'GET', path: `${w}/alerts/${alertId}`, role: 'viewer' },
        { method: 'POST', path: `${w}/alerts/route-table/trigger`, role: 'editor', body: { note: 'x' } },
        { method: 'POST', path: `${w}/alerts/route-table/clear`, role: 'editor', body: {} },
        { method: 'POST', path: `${w}/alerts/${alertId}/acknowledge`, role: 'editor', body: {} },
        { method: 'GET', path: `${w}/alert-silences`, role: 'viewer' },
        { method: 'POST', path: `${w}/alert-silences`, role: 'editor', body: { key: 'x', endsAt, reason: 'r' } },
        { method: 'GET', path: `${w}/alert-silences/${silenceId}`, role: 'viewer' },
        {
          method: 'PUT',
          path: `${w}/alert-silences/${silenceId}`,
          role: 'editor',
          body: { key: 'route-table', endsAt, reason: 'longer' },
        },
        { method: 'DELETE', path: `${w}/alert-silences/${silenceId}`, role: 'editor' },
      ];
    });

    async function snapshot() {
      const [alerts, history, configs, silences] = await Promise.all([
        ds.query(`SELECT * FROM alerts WHERE workspace_id = $1 ORDER BY id`, [crew.workspaceId]),
        ds.query(`SELECT count(*)::int AS n FROM alert_history WHERE workspace_id = $1`, [crew.workspaceId]),
        ds.query(`SELECT * FROM alert_configs WHERE workspace_id = $1 ORDER BY id`, [crew.workspaceId]),
        ds.query(`SELECT * FROM alert_silences WHERE workspace_id = $1 ORDER BY id`, [crew.workspaceId]),
      ]);
      return { alerts, history, configs, silences };
    }

    describeRouteTable('alert configs, alerts, silences', async () => ({ api, crew, admin, routes }), snapshot);
  });
});
