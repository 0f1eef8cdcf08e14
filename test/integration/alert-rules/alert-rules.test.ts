import Redis from 'ioredis';
import { ruleIndexVersionKey } from '../../../libs/domain/src';
import { createUser, startTestApi, TestApi, TestUser } from '../../support/test-app';
import { describeRouteTable, ScopedRoute } from '../../support/route-table';
import {
  createInstrument,
  createLocation,
  createWorkspaceCrew,
  WorkspaceCrew,
} from '../../support/workspace-factories';

describe('alert rules (REST)', () => {
  let api: TestApi;
  let crew: WorkspaceCrew;
  let admin: TestUser;
  let instrumentId: string;
  let locationId: string;
  let redis: Redis;
  const base = () => `/api/v1/workspaces/${crew.workspaceId}/alert-rules`;

  beforeAll(async () => {
    api = await startTestApi({ LOGIN_IP_LIMIT_PER_MINUTE: '1000' });
    crew = await createWorkspaceCrew(api, 'Rules lab');
    admin = await createUser(api, { role: 'admin' });
    locationId = (await createLocation(api, crew.owner, crew.workspaceId, { name: 'Cold room' })).id;
    instrumentId = (
      await createInstrument(api, crew.owner, crew.workspaceId, { type: 'freezer', locationId, serialNumber: 'FRZ-1' })
    ).id;
    redis = new Redis(api.config.redis.url);
  });
  afterAll(async () => {
    await redis.quit();
    await api.close();
  });

  const freezerRule = (extra: Record<string, unknown> = {}) => ({
    name: 'Freezer too warm',
    scope: { instrumentType: 'freezer', locationId },
    metric: 'temperature',
    condition: 'above',
    threshold: -15,
    clearThreshold: -18,
    forSeconds: 60,
    clearForSeconds: 30,
    priority: 2,
    alertKey: 'freezer-warm',
    ...extra,
  });

  it('creates, reads, lists, updates and deletes a rule, audited, announcing each change to the workers', async () => {
    const versionKey = ruleIndexVersionKey(api.config.redis.prefix);
    const v0 = Number((await redis.get(versionKey)) ?? 0);
    const created = await api.request('POST', base(), { token: crew.editor.token, body: freezerRule() });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'threshold',
      enabled: true,
      scope: { instrumentId: null, instrumentType: 'freezer', locationId },
      metric: 'temperature',
      condition: 'above',
      threshold: -15,
      clearThreshold: -18,
      range: null,
      forSeconds: 60,
      clearForSeconds: 30,
      priority: 2,
      alertKey: 'freezer-warm',
      version: 1,
    });
    expect(Number(await redis.get(versionKey))).toBeGreaterThan(v0);
    const url = `${base()}/${created.body.id}`;
    const got = await api.request('GET', url, { token: crew.viewer.token });
    expect(got.body).toEqual(created.body);
    const list = await api.request('GET', base(), { token: crew.viewer.token, query: { kind: 'threshold' } });
    expect(list.body).toMatchObject({ total: 1, items: [{ id: created.body.id }] });

    // Switching the condition to a range: the merged rule is checked whole.
    const v1 = Number(await redis.get(versionKey));
    const updated = await api.request('PATCH', url, {
      token: crew.editor.token,
      headers: { 'if-match': '"1"' },
      body: { condition: 'outside', threshold: null, clearThreshold: null, range: { low: -30, high: -15 } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      condition: 'outside',
      range: { low: -30, high: -15 },
      threshold: null,
      version: 2,
    });
    expect(Number(await redis.get(versionKey))).toBeGreaterThan(v1);
    const stale = await api.request('PATCH', url, {
      token: crew.editor.token,
      headers: { 'if-match': '"1"' },
      body: { name: 'x' },
    });
    expect(stale.status).toBe(412);

    const states = await api.request('GET', `${url}/states`, { token: crew.viewer.token });
    expect(states).toMatchObject({ status: 200, body: [] });

    const audit = await api.request('GET', `/api/v1/workspaces/${crew.workspaceId}/audit-log`, {
      token: crew.owner.token,
      query: { entityType: 'alert_rule' },
    });
    expect(audit.body.items.map((e: { action: string }) => e.action).sort()).toEqual(['create', 'update']);

    expect((await api.request('DELETE', url, { token: crew.editor.token })).status).toBe(204);
    expect((await api.request('GET', url, { token: crew.viewer.token })).body.code).toBe('ALERT_RULE_NOT_FOUND');
  });

  it('refuses a scope that matches no instrument with a 400 that says so, and stores nothing', async () => {
    const before = await api.request('GET', base(), { token: crew.owner.token });
    const res = await api.request('POST', base(), {
      token: crew.editor.token,
      body: freezerRule({ scope: { instrumentType: 'centrifuge' } }),
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('ALERT_RULE_SCOPE_EMPTY');
    expect(res.body.detail).toContain('matches no instrument');
    expect(res.body.detail).toContain('centrifuge');
    expect(res.body.errors).toEqual([{ field: 'scope', message: expect.stringContaining('matches no instrument') }]);
    // another workspace's instrument is no match either
    const other = await createWorkspaceCrew(api, 'Other lab');
    const foreign = await createInstrument(api, other.owner, other.workspaceId, { serialNumber: 'FOREIGN-1' });
    const res2 = await api.request('POST', base(), {
      token: crew.editor.token,
      body: freezerRule({ scope: { instrumentId: foreign.id } }),
    });
    expect([res2.status, res2.body.code]).toEqual([400, 'ALERT_RULE_SCOPE_EMPTY']);
    expect((await api.request('GET', base(), { token: crew.owner.token })).body.total).toBe(before.body.total);
  });

  it('checks what a kind and a condition need, with field errors', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [freezerRule({ threshold: null }), 'threshold'],
      [freezerRule({ clearThreshold: -10 }), 'clearThreshold'],
      [
        freezerRule({ condition: 'inside', threshold: null, clearThreshold: null, range: { low: 5, high: 1 } }),
        'range',
      ],
      [
        freezerRule({
          condition: 'outside',
          threshold: null,
          clearThreshold: null,
          range: { low: 0, high: 10 },
          clearRange: { low: -1, high: 5 },
        }),
        'clearRange',
      ],
      [freezerRule({ scope: {} }), 'scope'],
      [freezerRule({ scope: { instrumentId, instrumentType: 'freezer' } }), 'scope'],
      [{ name: 'n', kind: 'no_data', scope: { instrumentId }, metric: 'temperature', alertKey: 'k' }, 'noDataSeconds'],
      [{ name: 'n', kind: 'connectivity', scope: { instrumentId }, metric: 'temperature', alertKey: 'k' }, 'metric'],
      [freezerRule({ alertKey: 'Not A Slug' }), 'alertKey'],
      [freezerRule({ priority: 7 }), 'priority'],
    ];
    for (const [body, field] of cases) {
      const res = await api.request('POST', base(), { token: crew.editor.token, body });
      expect([field, res.status, res.body.code]).toEqual([field, 400, 'VALIDATION_FAILED']);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });

  it('accepts no-data and connectivity rules', async () => {
    const noData = await api.request('POST', base(), {
      token: crew.editor.token,
      body: {
        name: 'Silent',
        kind: 'no_data',
        scope: { instrumentId },
        metric: 'temperature',
        noDataSeconds: 300,
        alertKey: 'silent',
      },
    });
    expect(noData.status).toBe(201);
    expect(noData.body).toMatchObject({ kind: 'no_data', noDataSeconds: 300, condition: null });
    const offline = await api.request('POST', base(), {
      token: crew.editor.token,
      body: { name: 'Offline', kind: 'connectivity', scope: { locationId }, forSeconds: 120, alertKey: 'offline' },
    });
    expect(offline.status).toBe(201);
    expect(offline.body).toMatchObject({ kind: 'connectivity', metric: null, forSeconds: 120 });
  });

  describe('access', () => {
    let routes: ScopedRoute[];
    let ruleId: string;
    beforeAll(async () => {
      ruleId = (await api.request('POST', base(), { token: crew.owner.token, body: freezerRule({ name: 'Table' }) }))
        .body.id;
      routes = [
        { method: 'GET', path: base(), role: 'viewer' },
        { method: 'POST', path: base(), role: 'editor', body: freezerRule({ name: 'New' }) },
        { method: 'GET', path: `${base()}/${ruleId}`, role: 'viewer' },
        { method: 'GET', path: `${base()}/${ruleId}/states`, role: 'viewer' },
        { method: 'PATCH', path: `${base()}/${ruleId}`, role: 'editor', body: { threshold: -10 } },
        { method: 'DELETE', path: `${base()}/${ruleId}`, role: 'editor' },
      ];
    });

    describeRouteTable(
      'alert rules',
      async () => ({ api, crew, admin, routes }),
      async () => (await api.request('GET', base(), { token: crew.owner.token, query: { pageSize: 500 } })).body,
    );
  });
});
