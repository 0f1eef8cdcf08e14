import { createUser, startTestApi, TestApi, TestUser } from '../../support/test-app';
import { describeRouteTable, ScopedRoute } from '../../support/route-table';
import { addMember, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/**
 * Schedules through the api alone (no worker): timing checks and nextRuns across DST changes, the
 * per-workspace limit, pause and resume, suspension when the creator leaves, audit, access rules.
 */
describe('schedules', () => {
  let api: TestApi;
  let crew: WorkspaceCrew;
  let admin: TestUser;
  const ws = () => `/api/v1/workspaces/${crew.workspaceId}/schedules`;
  const urls = ['https://example.org/a', 'https://example.org/b'];
  const ingestion = (extra: Record<string, unknown> = {}) => ({
    name: 'Scrape',
    kind: 'ingestion',
    config: { urls, mode: 'append' },
    intervalMs: 3_600_000,
    ...extra,
  });

  beforeAll(async () => {
    api = await startTestApi({ SCHEDULES_MAX_PER_WORKSPACE: '5', LOGIN_IP_LIMIT_PER_MINUTE: '1000' });
    crew = await createWorkspaceCrew(api, 'Scheduled lab');
    admin = await createUser(api, { role: 'admin' });
  });
  afterAll(async () => {
    await api?.close();
  });

  const create = async (body: Record<string, unknown>, token = crew.editor.token) => {
    const res = await api.request('POST', ws(), { token, body });
    if (res.status !== 201) throw new Error(`create schedule: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const remove = (id: string) => api.request('DELETE', `${ws()}/${id}`, { token: crew.owner.token });

  it('computes nextRuns of a Europe/Berlin cron across the March change: the 02:30 run happens once', async () => {
    const s = await create(
      ingestion({
        intervalMs: undefined,
        cron: '30 2 * * *',
        timezone: 'Europe/Berlin',
        startAt: '2027-03-26T00:00:00+01:00',
      }),
    );
    // 02:30 CET is 01:30Z; on 28 March 02:30 does not exist and the run is at 03:30 CEST (01:30Z) once;
    // from then on 02:30 CEST is 00:30Z.
    expect(s.nextRuns).toEqual([
      '2027-03-26T01:30:00.000Z',
      '2027-03-27T01:30:00.000Z',
      '2027-03-28T01:30:00.000Z',
      '2027-03-29T00:30:00.000Z',
      '2027-03-30T00:30:00.000Z',
    ]);
    expect(s).toMatchObject({ status: 'active', cron: '30 2 * * *', timezone: 'Europe/Berlin', lastRun: null });
    await remove(s.id);
  });

  it('computes nextRuns across the October change: the repeated hour runs once', async () => {
    const s = await create(
      ingestion({
        intervalMs: undefined,
        cron: '30 2 * * *',
        timezone: 'Europe/Berlin',
        startAt: '2027-10-29T12:00:00+02:00',
      }),
    );
    // 31 October: 02:30 CEST (00:30Z) runs; the second 02:30 (CET, 01:30Z) does not.
    expect(s.nextRuns).toEqual([
      '2027-10-30T00:30:00.000Z',
      '2027-10-31T00:30:00.000Z',
      '2027-11-01T01:30:00.000Z',
      '2027-11-02T01:30:00.000Z',
      '2027-11-03T01:30:00.000Z',
    ]);
    const got = await api.request('GET', `${ws()}/${s.id}`, { token: crew.viewer.token });
    expect(got.body.nextRuns).toEqual(s.nextRuns);
    await remove(s.id);
  });

  it('counts interval runs from the start, and stops at the end', async () => {
    const s = await create(
      ingestion({ intervalMs: 3_600_000, startAt: '2030-01-01T00:00:00Z', endAt: '2030-01-01T03:00:00Z' }),
    );
    expect(s.nextRuns).toEqual([
      '2030-01-01T00:00:00.000Z',
      '2030-01-01T01:00:00.000Z',
      '2030-01-01T02:00:00.000Z',
      '2030-01-01T03:00:00.000Z',
    ]);
    await remove(s.id);
  });

  it('answers 400 with field errors for a bad cron, time zone, interval or config, and creates nothing', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [ingestion({ intervalMs: undefined, cron: '61 * * * *' }), 'cron'],
      [ingestion({ intervalMs: undefined, cron: '*/5 * * * * *' }), 'cron'],
      [ingestion({ intervalMs: undefined, cron: 'every day' }), 'cron'],
      [ingestion({ intervalMs: undefined, cron: '0 3 * * *', timezone: 'Mars/Olympus' }), 'timezone'],
      [ingestion({ intervalMs: 30_000 }), 'intervalMs'],
      [ingestion({ intervalMs: undefined }), 'cron'],
      [ingestion({ cron: '0 3 * * *' }), 'intervalMs'],
      [ingestion({ startAt: '2030-01-02T00:00:00Z', endAt: '2030-01-01T00:00:00Z' }), 'endAt'],
      [ingestion({ config: { urls: ['ftp://example.org/x'], mode: 'append' } }), 'config.urls[0]'],
      [ingestion({ config: { urls, mode: 'sometimes' } }), 'config.mode'],
      [ingestion({ config: { mode: 'append' } }), 'config.urls'],
      [{ ...ingestion(), kind: 'classification', config: { scope: 'new' } }, 'config.schemeId'],
      [
        { ...ingestion(), kind: 'telemetry-export', config: { instrumentIds: [], windowMs: 3600_000 } },
        'config.instrumentIds',
      ],
      [
        { ...ingestion(), kind: 'telemetry-export', config: { instrumentIds: [crew.workspaceId], windowMs: 10 } },
        'config.windowMs',
      ],
    ];
    for (const [body, field] of cases) {
      const res = await api.request('POST', ws(), { token: crew.editor.token, body });
      expect([field, res.status, res.body.code]).toEqual([field, 400, 'VALIDATION_FAILED']);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const list = await api.request('GET', ws(), { token: crew.viewer.token });
    expect(list.body.total).toBe(0);
  });

  it('refuses a data source or scheme of another workspace (404)', async () => {
    const other = '6f1c2d9e-4b1a-4c3e-9d2f-0a1b2c3d4e5f';
    const a = await api.request('POST', ws(), {
      token: crew.editor.token,
      body: ingestion({ config: { datasourceId: other, mode: 'append' } }),
    });
    expect([a.status, a.body.code]).toEqual([404, 'DATASOURCE_NOT_FOUND']);
    const b = await api.request('POST', ws(), {
      token: crew.editor.token,
      body: { ...ingestion(), kind: 'classification', config: { schemeId: other } },
    });
    expect([b.status, b.body.code]).toEqual([404, 'CLASSIFICATION_SCHEME_NOT_FOUND']);
  });

  it('pauses (no next runs) and resumes, auditing each change', async () => {
    const s = await create(ingestion());
    expect(s.nextRuns).toHaveLength(5);
    const paused = await api.request('POST', `${ws()}/${s.id}/pause`, { token: crew.editor.token });
    expect(paused.body).toMatchObject({ status: 'paused', enabled: false, nextRuns: [] });
    const resumed = await api.request('POST', `${ws()}/${s.id}/resume`, { token: crew.editor.token });
    expect(resumed.body).toMatchObject({ status: 'active', enabled: true });
    expect(resumed.body.nextRuns).toHaveLength(5);
    const renamed = await api.request('PATCH', `${ws()}/${s.id}`, {
      token: crew.editor.token,
      body: { name: 'Hourly scrape', cron: '0 * * * *', timezone: 'UTC' },
    });
    expect(renamed.body).toMatchObject({ name: 'Hourly scrape', cron: '0 * * * *', intervalMs: null });
    expect(new Date(renamed.body.nextRuns[0]).getUTCMinutes()).toBe(0);
    const audit = await api.request('GET', `/api/v1/workspaces/${crew.workspaceId}/audit-log`, {
      token: crew.owner.token,
      query: { entityType: 'schedule', entityId: s.id, pageSize: 50 },
    });
    expect(audit.status).toBe(200);
    const actions = audit.body.items.map((e: { action: string }) => e.action).sort();
    expect(actions).toEqual(['create', 'update', 'update', 'update']);
    await remove(s.id);
  });

  it('holds at most SCHEDULES_MAX_PER_WORKSPACE schedules (409 SCHEDULE_LIMIT_REACHED)', async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await create(ingestion({ name: `s${i}` })));
    const over = await api.request('POST', ws(), { token: crew.editor.token, body: ingestion({ name: 'one more' }) });
    expect([over.status, over.body.code, over.body.limit]).toEqual([409, 'SCHEDULE_LIMIT_REACHED', 5]);
    for (const s of made) expect((await remove(s.id)).status).toBe(204);
  });

  it('suspends the schedules of a creator who leaves the workspace, and resumes them only for a member', async () => {
    const leaver = await createUser(api);
    await addMember(api, crew.owner, crew.workspaceId, leaver, 'editor');
    const s = await create(ingestion({ name: 'Leaver schedule' }), leaver.token);
    const kept = await create(ingestion({ name: 'Editor schedule' }));
    const removed = await api.request('DELETE', `/api/v1/workspaces/${crew.workspaceId}/members/${leaver.id}`, {
      token: crew.owner.token,
    });
    expect(removed.status).toBe(204);
    const got = await api.request('GET', `${ws()}/${s.id}`, { token: crew.viewer.token });
    expect(got.body).toMatchObject({
      status: 'suspended',
      suspendedReason: 'its creator is no longer a member of the workspace',
      nextRuns: [],
    });
    expect((await api.request('GET', `${ws()}/${kept.id}`, { token: crew.viewer.token })).body.status).toBe('active');
    const run = await api.request('POST', `${ws()}/${s.id}/run`, { token: crew.editor.token });
    expect([run.status, run.body.code]).toEqual([409, 'SCHEDULE_SUSPENDED']);
    const resume = await api.request('POST', `${ws()}/${s.id}/resume`, { token: crew.editor.token });
    expect([resume.status, resume.body.code]).toEqual([409, 'SCHEDULE_SUSPENDED']);
    // back in the workspace as an editor: it may run again
    await addMember(api, crew.owner, crew.workspaceId, leaver, 'editor');
    const again = await api.request('POST', `${ws()}/${s.id}/resume`, { token: crew.editor.token });
    expect(again.body).toMatchObject({ status: 'active', suspendedReason: null });
    // demoted to viewer, and disabled: suspended again, with the reason
    await api.request('PATCH', `/api/v1/workspaces/${crew.workspaceId}/members/${leaver.id}`, {
      token: crew.owner.token,
      body: { role: 'viewer' },
    });
    expect((await api.request('GET', `${ws()}/${s.id}`, { token: crew.viewer.token })).body.suspendedReason).toBe(
      'its creator is no longer an editor of the workspace',
    );
    await remove(s.id);
    await remove(kept.id);
  });

  it('suspends the schedules of a user an administrator disables', async () => {
    const user = await createUser(api);
    await addMember(api, crew.owner, crew.workspaceId, user, 'editor');
    const s = await create(ingestion({ name: 'Disabled creator' }), user.token);
    const disabled = await api.request('PATCH', `/api/v1/users/${user.id}`, {
      token: admin.token,
      body: { status: 'disabled' },
    });
    expect(disabled.status).toBe(200);
    const got = await api.request('GET', `${ws()}/${s.id}`, { token: crew.viewer.token });
    expect(got.body).toMatchObject({ status: 'suspended', suspendedReason: "its creator's account is disabled" });
    await remove(s.id);
  });

  describe('access', () => {
    let routes: ScopedRoute[];
    let scheduleId: string;
    const snapshot = async () =>
      (await api.request('GET', ws(), { token: crew.owner.token, query: { pageSize: 500 } })).body.items.map(
        (s: { id: string; name: string; status: string }) => [s.id, s.name, s.status],
      );
    beforeAll(async () => {
      scheduleId = (await create(ingestion({ name: 'Guarded' }))).id;
      const base = ws();
      routes = [
        { method: 'GET', path: base, role: 'viewer' },
        { method: 'POST', path: base, role: 'editor', body: ingestion({ name: 'Another' }) },
        { method: 'GET', path: `${base}/${scheduleId}`, role: 'viewer' },
        { method: 'GET', path: `${base}/${scheduleId}/runs`, role: 'viewer' },
        { method: 'PATCH', path: `${base}/${scheduleId}`, role: 'editor', body: { name: 'Renamed' } },
        { method: 'POST', path: `${base}/${scheduleId}/pause`, role: 'editor' },
        { method: 'POST', path: `${base}/${scheduleId}/resume`, role: 'editor' },
        { method: 'POST', path: `${base}/${scheduleId}/run`, role: 'editor' },
        { method: 'DELETE', path: `${base}/${scheduleId}`, role: 'editor' },
      ];
    });
    describeRouteTable('schedules', async () => ({ api, crew, admin, routes }), snapshot);

    it('answers 404 SCHEDULE_NOT_FOUND for an unknown schedule and for one of another workspace', async () => {
      const other = await createWorkspaceCrew(api, 'Other lab');
      const theirs = (
        await api.request('POST', `/api/v1/workspaces/${other.workspaceId}/schedules`, {
          token: other.editor.token,
          body: ingestion(),
        })
      ).body.id;
      for (const id of [theirs, '6f1c2d9e-4b1a-4c3e-9d2f-0a1b2c3d4e5f', 'nope']) {
        const res = await api.request('GET', `${ws()}/${id}`, { token: crew.owner.token });
        expect([id, res.status, res.body.code]).toEqual([id, 404, 'SCHEDULE_NOT_FOUND']);
      }
    });
  });
});
