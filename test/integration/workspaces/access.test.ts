import { createUser, startTestApi, TestApi, TestUser } from '../../support/test-app';
import {
  createInstrument,
  createLocation,
  createWorkspaceCrew,
  WorkspaceCrew,
} from '../../support/workspace-factories';
import { describeRouteTable, ScopedRoute } from '../../support/route-table';

describe('workspace access (WorkspaceGuard)', () => {
  let api: TestApi;
  let crew: WorkspaceCrew;
  let admin: TestUser;
  let locationId: string;
  let instrumentId: string;
  let routes: ScopedRoute[];

  beforeAll(async () => {
    api = await startTestApi({ LOGIN_IP_LIMIT_PER_MINUTE: '1000' });
    crew = await createWorkspaceCrew(api, 'Guarded lab');
    admin = await createUser(api, { role: 'admin' });
    locationId = (await createLocation(api, crew.owner, crew.workspaceId, { name: 'Bench 1' })).id;
    instrumentId = (await createInstrument(api, crew.owner, crew.workspaceId, { serialNumber: 'GUARD-1', locationId }))
      .id;
    const ws = `/api/v1/workspaces/${crew.workspaceId}`;
    // Every workspace-scoped route, the lowest role allowed, and a valid body.
    routes = [
      { method: 'GET', path: ws, role: 'viewer' },
      { method: 'PATCH', path: ws, role: 'editor', body: { name: 'Renamed' } },
      { method: 'DELETE', path: ws, role: 'owner' },
      { method: 'GET', path: `${ws}/members`, role: 'viewer' },
      { method: 'POST', path: `${ws}/members`, role: 'owner', body: { email: admin.email, role: 'viewer' } },
      // (removing yourself is leaving, which any member may do: target someone else)
      { method: 'PATCH', path: `${ws}/members/${crew.owner.id}`, role: 'owner', body: { role: 'viewer' } },
      { method: 'DELETE', path: `${ws}/members/${crew.owner.id}`, role: 'owner' },
      { method: 'GET', path: `${ws}/locations`, role: 'viewer' },
      { method: 'POST', path: `${ws}/locations`, role: 'editor', body: { name: 'Bench 2' } },
      { method: 'GET', path: `${ws}/locations/${locationId}`, role: 'viewer' },
      { method: 'PATCH', path: `${ws}/locations/${locationId}`, role: 'editor', body: { name: 'Bench 9' } },
      { method: 'DELETE', path: `${ws}/locations/${locationId}`, role: 'editor' },
      { method: 'GET', path: `${ws}/instruments`, role: 'viewer' },
      {
        method: 'POST',
        path: `${ws}/instruments`,
        role: 'editor',
        body: { name: 'New', serialNumber: 'GUARD-2' },
      },
      { method: 'GET', path: `${ws}/instruments/${instrumentId}`, role: 'viewer' },
      { method: 'PATCH', path: `${ws}/instruments/${instrumentId}`, role: 'editor', body: { status: 'offline' } },
      { method: 'DELETE', path: `${ws}/instruments/${instrumentId}`, role: 'editor' },
      { method: 'GET', path: `${ws}/audit-log`, role: 'viewer' },
    ];
  });
  afterAll(() => api.close());

  async function snapshot() {
    const ws = `/api/v1/workspaces/${crew.workspaceId}`;
    const token = crew.owner.token;
    const [workspace, members, locations, instruments, audit] = await Promise.all([
      api.request('GET', ws, { token }),
      api.request('GET', `${ws}/members`, { token }),
      api.request('GET', `${ws}/locations`, { token }),
      api.request('GET', `${ws}/instruments`, { token }),
      api.request('GET', `${ws}/audit-log`, { token, query: { pageSize: 1 } }),
    ]);
    return {
      workspace: workspace.body,
      members: members.body,
      locations: locations.body,
      instruments: instruments.body,
      auditTotal: audit.body.total,
    };
  }

  describeRouteTable(
    'workspace, members, locations, instruments, audit log',
    async () => ({ api, crew, admin, routes }),
    snapshot,
  );

  it('checks membership before validating the body: a non-member with a bad body still gets 404', async () => {
    const res = await api.request('POST', `/api/v1/workspaces/${crew.workspaceId}/instruments`, {
      token: crew.outsider.token,
      body: { workspaceId: crew.workspaceId, bogus: true },
    });
    expect(res.status).toBe(404);
  });

  it('answers 404 for an unknown workspace and for a workspace id that is not a uuid', async () => {
    for (const id of ['6f1c2d9e-4b1a-4c3e-9d2f-0a1b2c3d4e5f', 'not-a-uuid', '1']) {
      const res = await api.request('GET', `/api/v1/workspaces/${id}/instruments`, { token: crew.owner.token });
      expect([id, res.status, res.body.code]).toEqual([id, 404, 'WORKSPACE_NOT_FOUND']);
    }
  });

  it('answers 404 for a nested id that is not a uuid', async () => {
    const ws = `/api/v1/workspaces/${crew.workspaceId}`;
    const res = await api.request('GET', `${ws}/instruments/nope`, { token: crew.owner.token });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('INSTRUMENT_NOT_FOUND');
  });

  it('requires authentication (401)', async () => {
    const res = await api.request('GET', `/api/v1/workspaces/${crew.workspaceId}/instruments`);
    expect(res.status).toBe(401);
  });

  it('does not leak resources of another workspace through a workspace the caller belongs to', async () => {
    const other = await createWorkspaceCrew(api, 'Other lab');
    const ws = `/api/v1/workspaces/${other.workspaceId}`;
    // The crew owner owns "Guarded lab"; ask for its instrument and location via "Other lab" as other's owner.
    const inst = await api.request('GET', `${ws}/instruments/${instrumentId}`, { token: other.owner.token });
    expect(inst.status).toBe(404);
    expect(inst.body.code).toBe('INSTRUMENT_NOT_FOUND');
    const patch = await api.request('PATCH', `${ws}/instruments/${instrumentId}`, {
      token: other.owner.token,
      body: { name: 'hijacked' },
    });
    expect(patch.status).toBe(404);
    const del = await api.request('DELETE', `${ws}/locations/${locationId}`, { token: other.owner.token });
    expect(del.status).toBe(404);
    const mine = await api.request('GET', `/api/v1/workspaces/${crew.workspaceId}/instruments/${instrumentId}`, {
      token: crew.owner.token,
    });
    expect(mine.body.name).not.toBe('hijacked');
  });

  it('accepts API keys on workspace routes, with the same membership rules', async () => {
    const created = await api.request('POST', '/api/v1/users/me/api-keys', {
      token: crew.editor.token,
      body: { name: 'sdk' },
    });
    expect(created.status).toBe(201);
    const apiKey: string = created.body.key;
    const ws = `/api/v1/workspaces/${crew.workspaceId}`;
    const list = await api.request('GET', `${ws}/instruments`, { apiKey });
    expect(list.status).toBe(200);
    const made = await api.request('POST', `${ws}/instruments`, {
      apiKey,
      body: { name: 'Via key', serialNumber: 'KEY-1' },
    });
    expect(made.status).toBe(201);
    const audit = await api.request('GET', `${ws}/audit-log`, {
      apiKey,
      query: { entityId: made.body.id },
    });
    expect(audit.body.items[0]).toMatchObject({
      action: 'create',
      actorUserId: crew.editor.id,
      actorApiKeyId: created.body.id,
    });
    const denied = await api.request('DELETE', ws, { apiKey });
    expect(denied.status).toBe(403);
    const outsiderKey = await api.request('POST', '/api/v1/users/me/api-keys', {
      token: crew.outsider.token,
      body: { name: 'outsider' },
    });
    const hidden = await api.request('GET', `${ws}/instruments`, { apiKey: outsiderKey.body.key });
    expect(hidden.status).toBe(404);
  });
});
