import { createUser, startTestApi, TestApi } from '../../support/test-app';
import {
  addMember,
  createInstrument,
  createLocation,
  createWorkspaceCrew,
  WorkspaceCrew,
} from '../../support/workspace-factories';

describe('audit log', () => {
  let api: TestApi;
  let crew: WorkspaceCrew;
  const ws = () => `/api/v1/workspaces/${crew.workspaceId}`;
  const audit = (query: Record<string, string | number> = {}) =>
    api.request('GET', `${ws()}/audit-log`, { token: crew.viewer.token, query });

  beforeAll(async () => {
    api = await startTestApi({ LOGIN_IP_LIMIT_PER_MINUTE: '1000' });
    crew = await createWorkspaceCrew(api, 'Audited lab');
  });
  afterAll(() => api.close());

  it('records the workspace creation, the invitations and the members joining', async () => {
    const res = await audit({ sort: 'createdAt', pageSize: 500 });
    expect(res.status).toBe(200);
    const entries = res.body.items.map((e: any) => [e.action, e.entityType, e.entityId, e.actorUserId]);
    expect(entries).toEqual(
      expect.arrayContaining([
        ['create', 'workspace', crew.workspaceId, crew.owner.id],
        ['create', 'member', crew.owner.id, crew.owner.id],
        // the owner invites; each member joins by accepting (their own act)
        ['create', 'member', crew.editor.id, crew.editor.id],
        ['create', 'member', crew.viewer.id, crew.viewer.id],
      ]),
    );
    const invitations = res.body.items.filter((e: any) => e.entityType === 'invitation');
    expect(invitations.map((e: any) => [e.action, e.actorUserId, e.changes.status?.to ?? e.changes.role?.to])).toEqual([
      ['create', crew.owner.id, 'editor'],
      ['update', crew.editor.id, 'accepted'],
      ['create', crew.owner.id, 'viewer'],
      ['update', crew.viewer.id, 'accepted'],
    ]);
    const ws = res.body.items.find((e: any) => e.entityType === 'workspace');
    expect(ws.changes).toEqual({
      name: { to: 'Audited lab' },
      description: { to: null },
      telemetryRetentionDays: { to: 365 },
    });
    const editor = res.body.items.find((e: any) => e.entityId === crew.editor.id);
    expect(editor.changes).toEqual({
      email: { to: crew.editor.email },
      role: { to: 'editor' },
      invitation: { to: invitations[0].entityId },
    });
  });

  it('records instrument create, update (changed fields only, from/to) and delete, with actor and request id', async () => {
    const location = await createLocation(api, crew.owner, crew.workspaceId, { name: 'Audit room' });
    const created = await api.request('POST', `${ws()}/instruments`, {
      token: crew.editor.token,
      headers: { 'x-request-id': 'req-create-0001' },
      body: { name: 'Scope', serialNumber: 'AUD-1', capabilities: { zoom: 10 } },
    });
    const id = created.body.id;
    await api.request('PATCH', `${ws()}/instruments/${id}`, {
      token: crew.editor.token,
      headers: { 'x-request-id': 'req-update-0001' },
      body: {
        name: 'Scope', // unchanged: not recorded
        status: 'maintenance',
        locationId: location.id,
        capabilities: { zoom: 10 }, // same object: not recorded
        calibrationDueAt: '2027-05-01T00:00:00Z',
      },
    });
    await api.request('DELETE', `${ws()}/instruments/${id}`, { token: crew.owner.token });

    const res = await audit({ entityId: id });
    expect(res.body.total).toBe(3);
    const [del, upd, cre] = res.body.items; // newest first
    expect(cre).toMatchObject({
      action: 'create',
      entityType: 'instrument',
      entityId: id,
      actorUserId: crew.editor.id,
      actorApiKeyId: null,
      requestId: 'req-create-0001',
      workspaceId: crew.workspaceId,
    });
    expect(cre.changes).toMatchObject({
      name: { to: 'Scope' },
      serialNumber: { to: 'AUD-1' },
      capabilities: { to: { zoom: 10 } },
      status: { to: 'active' },
    });
    expect(upd).toMatchObject({ action: 'update', actorUserId: crew.editor.id, requestId: 'req-update-0001' });
    expect(upd.changes).toEqual({
      status: { from: 'active', to: 'maintenance' },
      locationId: { from: null, to: location.id },
      calibrationDueAt: { from: null, to: '2027-05-01T00:00:00.000Z' },
    });
    expect(del).toMatchObject({ action: 'delete', actorUserId: crew.owner.id });
    expect(del.changes).toMatchObject({ serialNumber: { from: 'AUD-1' }, status: { from: 'maintenance' } });
    expect(typeof del.requestId).toBe('string');
    expect(Date.parse(del.createdAt)).toBeGreaterThanOrEqual(Date.parse(cre.createdAt));
  });

  it('records location, workspace and member changes', async () => {
    const location = await createLocation(api, crew.editor, crew.workspaceId, { name: 'Old room' });
    await api.request('PATCH', `${ws()}/locations/${location.id}`, {
      token: crew.editor.token,
      body: { name: 'New room' },
    });
    await api.request('DELETE', `${ws()}/locations/${location.id}`, { token: crew.editor.token });
    const loc = await audit({ entityType: 'location', entityId: location.id });
    expect(loc.body.items.map((e: any) => [e.action, e.changes.name])).toEqual([
      ['delete', { from: 'New room' }],
      ['update', { from: 'Old room', to: 'New room' }],
      ['create', { to: 'Old room' }],
    ]);

    await api.request('PATCH', ws(), { token: crew.owner.token, body: { description: 'Now described' } });
    const wsUpdate = await audit({ entityType: 'workspace', action: 'update' });
    expect(wsUpdate.body.items[0].changes).toEqual({ description: { from: null, to: 'Now described' } });

    const temp = await createUser(api);
    await addMember(api, crew.owner, crew.workspaceId, temp, 'viewer');
    await api.request('PATCH', `${ws()}/members/${temp.id}`, { token: crew.owner.token, body: { role: 'editor' } });
    await api.request('DELETE', `${ws()}/members/${temp.id}`, { token: temp.token });
    const member = await audit({ entityType: 'member', entityId: temp.id });
    expect(member.body.items.map((e: any) => [e.action, e.actorUserId, e.changes.role])).toEqual([
      ['delete', temp.id, { from: 'editor' }],
      ['update', crew.owner.id, { from: 'viewer', to: 'editor' }],
      // joining is the invitee's own act: they accepted the owner's invitation
      ['create', temp.id, { to: 'viewer' }],
    ]);
  });

  it('does not record refused changes', async () => {
    const before = (await audit({ pageSize: 1 })).body.total;
    await createInstrument(api, crew.owner, crew.workspaceId, { serialNumber: 'AUD-DUP' });
    const after = (await audit({ pageSize: 1 })).body.total;
    expect(after).toBe(before + 1);
    const dup = await api.request('POST', `${ws()}/instruments`, {
      token: crew.owner.token,
      body: { name: 'Twin', serialNumber: 'AUD-DUP' },
    });
    expect(dup.status).toBe(409);
    const denied = await api.request('POST', `${ws()}/locations`, { token: crew.viewer.token, body: { name: 'Nope' } });
    expect(denied.status).toBe(403);
    expect((await audit({ pageSize: 1 })).body.total).toBe(after);
  });

  it('filters by actor and action, paginates newest first', async () => {
    const byViewer = await audit({ actorUserId: crew.viewer.id });
    // a viewer changes nothing but their own joining (accepting the invitation)
    expect(byViewer.body.items.map((e: any) => e.entityType).sort()).toEqual(['invitation', 'member']);
    const byEditor = await audit({ actorUserId: crew.editor.id });
    expect(byEditor.body.total).toBeGreaterThan(0);
    expect(byEditor.body.items.every((e: any) => e.actorUserId === crew.editor.id)).toBe(true);
    const deletes = await audit({ action: 'delete' });
    expect(deletes.body.items.every((e: any) => e.action === 'delete')).toBe(true);
    const all = await audit({ pageSize: 500 });
    const times = all.body.items.map((e: any) => Date.parse(e.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const page2 = await audit({ pageSize: 3, page: 2 });
    expect(page2.body.items).toEqual(all.body.items.slice(3, 6));
    const badQueries: Array<Record<string, string>> = [
      { action: 'explode' },
      { entityType: 'user' },
      { entityId: 'x' },
      { sort: 'action' },
    ];
    for (const query of badQueries) {
      const bad = await audit(query);
      expect([JSON.stringify(query), bad.status]).toEqual([JSON.stringify(query), 400]);
    }
  });

  it('records the API key used', async () => {
    const key = await api.request('POST', '/api/v1/users/me/api-keys', {
      token: crew.owner.token,
      body: { name: 'audit-key' },
    });
    const location = await api.request('POST', `${ws()}/locations`, {
      apiKey: key.body.key,
      body: { name: 'Keyed room' },
    });
    expect(location.status).toBe(201);
    const res = await audit({ entityId: location.body.id });
    expect(res.body.items[0]).toMatchObject({ actorUserId: crew.owner.id, actorApiKeyId: key.body.id });
  });

  it('is only readable by members', async () => {
    const res = await api.request('GET', `${ws()}/audit-log`, { token: crew.outsider.token });
    expect(res.status).toBe(404);
  });
});
