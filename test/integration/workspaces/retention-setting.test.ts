import { createUser, startTestApi, TestApi } from '../../support/test-app';
import { addMember } from '../../support/workspace-factories';

describe('workspace telemetry retention setting', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('only owners may change it (shortening it deletes history)', async () => {
    const owner = await createUser(api);
    const editor = await createUser(api);
    const ws = await api.request('POST', '/api/v1/workspaces', { token: owner.token, body: { name: 'Guarded' } });
    await addMember(api, owner, ws.body.id, editor, 'editor');
    const url = `/api/v1/workspaces/${ws.body.id}`;
    const denied = await api.request('PATCH', url, { token: editor.token, body: { telemetryRetentionDays: 1 } });
    expect(denied.status).toBe(403);
    expect((await api.request('PATCH', url, { token: editor.token, body: { name: 'Renamed' } })).status).toBe(200);
    expect((await api.request('GET', url, { token: owner.token })).body.telemetryRetentionDays).toBe(365);
  });

  it('defaults to 365 days, is validated and audited', async () => {
    const owner = await createUser(api);
    const ws = await api.request('POST', '/api/v1/workspaces', { token: owner.token, body: { name: 'Retained' } });
    expect(ws.body.telemetryRetentionDays).toBe(365);
    const url = `/api/v1/workspaces/${ws.body.id}`;
    for (const bad of [0, 36501, 1.5, null, '30']) {
      const res = await api.request('PATCH', url, { token: owner.token, body: { telemetryRetentionDays: bad } });
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
    }
    const ok = await api.request('PATCH', url, { token: owner.token, body: { telemetryRetentionDays: 30 } });
    expect(ok.status).toBe(200);
    expect(ok.body.telemetryRetentionDays).toBe(30);
    const log = await api.request('GET', `${url}/audit-log`, { token: owner.token, query: { action: 'update' } });
    expect(log.body.items[0].changes).toEqual({ telemetryRetentionDays: { from: 365, to: 30 } });
  });
});
