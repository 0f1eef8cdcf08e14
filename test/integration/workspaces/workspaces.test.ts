import { createUser, startTestApi, TestApi, TestUser } from '../../support/test-app';
import { addMember, createInstrument, createLocation, createWorkspace } from '../../support/workspace-factories';

describe('workspaces and members', () => {
  let api: TestApi;
  let owner: TestUser;

  beforeAll(async () => {
    api = await startTestApi({ LOGIN_IP_LIMIT_PER_MINUTE: '1000' });
    owner = await createUser(api);
  });
  afterAll(() => api.close());

  describe('workspaces', () => {
    it('creates a workspace with the creator as owner, and reads it back', async () => {
      const created = await api.request('POST', '/api/v1/workspaces', {
        token: owner.token,
        body: { name: '  Chem lab ', description: 'wet lab' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'Chem lab',
        description: 'wet lab',
        role: 'owner',
        createdBy: owner.id,
      });
      const got = await api.request('GET', `/api/v1/workspaces/${created.body.id}`, { token: owner.token });
      expect(got.status).toBe(200);
      expect(got.body).toEqual(created.body);
      const members = await api.request('GET', `/api/v1/workspaces/${created.body.id}/members`, { token: owner.token });
      expect(members.body.items).toEqual([
        expect.objectContaining({ userId: owner.id, role: 'owner', email: owner.email }),
      ]);
    });

    it('lists only my workspaces, paginated, sorted and filtered, with my role in each', async () => {
      const me = await createUser(api);
      const someoneElse = await createUser(api);
      const names = ['Bravo', 'Alpha', 'Charlie', 'Delta'];
      const ids: Record<string, string> = {};
      for (const n of names) ids[n] = await createWorkspace(api, me, n);
      const theirs = await createWorkspace(api, someoneElse, 'Echo');
      await addMember(api, someoneElse, theirs, me, 'viewer');
      await createWorkspace(api, someoneElse, 'Foxtrot (not mine)');

      const page1 = await api.request('GET', '/api/v1/workspaces', { token: me.token, query: { pageSize: 2 } });
      expect(page1.status).toBe(200);
      expect(page1.body).toMatchObject({ total: 5, page: 1, pageSize: 2, totalPages: 3 });
      expect(page1.body.items.map((w: any) => w.name)).toEqual(['Alpha', 'Bravo']);
      const page3 = await api.request('GET', '/api/v1/workspaces', {
        token: me.token,
        query: { pageSize: 2, page: 3 },
      });
      expect(page3.body.items.map((w: any) => [w.name, w.role])).toEqual([['Echo', 'viewer']]);
      const desc = await api.request('GET', '/api/v1/workspaces', { token: me.token, query: { sort: '-name' } });
      expect(desc.body.items.map((w: any) => w.name)).toEqual(['Echo', 'Delta', 'Charlie', 'Bravo', 'Alpha']);
      const q = await api.request('GET', '/api/v1/workspaces', { token: me.token, query: { q: 'ar' } });
      expect(q.body.items.map((w: any) => w.name)).toEqual(['Charlie']);
      const beyond = await api.request('GET', '/api/v1/workspaces', { token: me.token, query: { page: 9 } });
      expect(beyond.body).toMatchObject({ items: [], total: 5, page: 9 });
      const badSort = await api.request('GET', '/api/v1/workspaces', { token: me.token, query: { sort: 'secret' } });
      expect(badSort.status).toBe(400);
    });

    it('lets editors and owners rename; viewers may not', async () => {
      const editor = await createUser(api);
      const viewer = await createUser(api);
      const id = await createWorkspace(api, owner, 'Old name');
      await addMember(api, owner, id, editor, 'editor');
      await addMember(api, owner, id, viewer, 'viewer');
      const byEditor = await api.request('PATCH', `/api/v1/workspaces/${id}`, {
        token: editor.token,
        body: { name: 'New name', description: null },
      });
      expect(byEditor.status).toBe(200);
      expect(byEditor.body).toMatchObject({ name: 'New name', description: null, role: 'editor' });
      const byViewer = await api.request('PATCH', `/api/v1/workspaces/${id}`, {
        token: viewer.token,
        body: { name: 'Viewer name' },
      });
      expect(byViewer.status).toBe(403);
      const nullName = await api.request('PATCH', `/api/v1/workspaces/${id}`, {
        token: owner.token,
        body: { name: null },
      });
      expect(nullName.status).toBe(400);
    });

    it('refuses mass assignment: unknown fields are 400 and nothing changes', async () => {
      const id = await createWorkspace(api, owner, 'Guarded');
      for (const body of [
        { name: 'X', id: '6f1c2d9e-4b1a-4c3e-9d2f-0a1b2c3d4e5f' },
        { name: 'X', role: 'owner' },
        { name: 'X', createdBy: owner.id },
        { name: 'X', workspaceId: id },
      ]) {
        const res = await api.request('PATCH', `/api/v1/workspaces/${id}`, { token: owner.token, body });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }
      const create = await api.request('POST', '/api/v1/workspaces', {
        token: owner.token,
        body: { name: 'Y', createdBy: '6f1c2d9e-4b1a-4c3e-9d2f-0a1b2c3d4e5f' },
      });
      expect(create.status).toBe(400);
      const got = await api.request('GET', `/api/v1/workspaces/${id}`, { token: owner.token });
      expect(got.body.name).toBe('Guarded');
    });

    it('deletes a workspace with everything in it (owners only)', async () => {
      const editor = await createUser(api);
      const id = await createWorkspace(api, owner, 'Doomed');
      await addMember(api, owner, id, editor, 'editor');
      const location = await createLocation(api, owner, id);
      await createInstrument(api, owner, id, { locationId: location.id });
      const byEditor = await api.request('DELETE', `/api/v1/workspaces/${id}`, { token: editor.token });
      expect(byEditor.status).toBe(403);
      const del = await api.request('DELETE', `/api/v1/workspaces/${id}`, { token: owner.token });
      expect(del.status).toBe(204);
      const gone = await api.request('GET', `/api/v1/workspaces/${id}`, { token: owner.token });
      expect(gone.status).toBe(404);
      expect(gone.body.code).toBe('WORKSPACE_NOT_FOUND');
    });
  });

  describe('members', () => {
    let workspaceId: string;
    let editor: TestUser;
    let viewer: TestUser;
    const members = () => `/api/v1/workspaces/${workspaceId}/members`;

    beforeEach(async () => {
      editor = await createUser(api);
      viewer = await createUser(api);
      workspaceId = await createWorkspace(api, owner, 'Team');
      await addMember(api, owner, workspaceId, editor, 'editor');
    });

    it('invites by email (case-insensitive) with a role, defaulting to viewer; they join once they accept', async () => {
      const res = await api.request('POST', members(), {
        token: owner.token,
        body: { email: viewer.email.toUpperCase() },
      });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ email: viewer.email, role: 'viewer', status: 'pending' });
      // not a member before consenting
      expect((await api.request('GET', members(), { token: viewer.token })).status).toBe(404);
      const accepted = await api.request('POST', `/api/v1/users/me/invitations/${res.body.id}/accept`, {
        token: viewer.token,
      });
      expect(accepted.status).toBe(200);
      const list = await api.request('GET', members(), { token: viewer.token, query: { sort: 'role' } });
      expect(list.body.total).toBe(3);
      expect(list.body.items.map((m: any) => m.role)).toEqual(['editor', 'owner', 'viewer']);
    });

    it('answers an unknown email exactly like a known one (no account enumeration); 409 MEMBER_EXISTS for a member', async () => {
      const unknown = await api.request('POST', members(), {
        token: owner.token,
        body: { email: 'nobody@nowhere.test', role: 'editor' },
      });
      const known = await api.request('POST', members(), {
        token: owner.token,
        body: { email: viewer.email, role: 'editor' },
      });
      expect(unknown.status).toBe(202);
      expect(known.status).toBe(202);
      expect(Object.keys(unknown.body).sort()).toEqual(Object.keys(known.body).sort());
      expect([unknown.body.status, unknown.body.role]).toEqual([known.body.status, known.body.role]);
      const dup = await api.request('POST', members(), { token: owner.token, body: { email: editor.email } });
      expect(dup.status).toBe(409);
      expect(dup.body.code).toBe('MEMBER_EXISTS');
    });

    it('never adds a pending or disabled account: an invitation waits for its owner to sign in and accept', async () => {
      const disabled = await createUser(api, { status: 'disabled' });
      const res = await api.request('POST', members(), { token: owner.token, body: { email: disabled.email } });
      expect(res.status).toBe(202);
      const list = await api.request('GET', members(), { token: owner.token });
      expect(list.body.items.map((m: any) => m.email)).not.toContain(disabled.email);
    });

    it('validates the body: bad role or extra fields are 400', async () => {
      for (const body of [
        { email: viewer.email, role: 'admin' },
        { email: 'not-an-email' },
        { email: viewer.email, workspaceId },
        { email: viewer.email, userId: viewer.id },
      ]) {
        const res = await api.request('POST', members(), { token: owner.token, body });
        expect(res.status).toBe(400);
      }
      const patch = await api.request('PATCH', `${members()}/${editor.id}`, {
        token: owner.token,
        body: { role: 'viewer', userId: owner.id },
      });
      expect(patch.status).toBe(400);
      const list = await api.request('GET', members(), { token: owner.token });
      expect(list.body.total).toBe(2);
      expect(list.body.items.find((m: any) => m.userId === editor.id).role).toBe('editor');
    });

    it('changes roles (owners only) and answers 404 for a non-member', async () => {
      const promote = await api.request('PATCH', `${members()}/${editor.id}`, {
        token: owner.token,
        body: { role: 'owner' },
      });
      expect(promote.status).toBe(200);
      expect(promote.body.role).toBe('owner');
      const missing = await api.request('PATCH', `${members()}/${viewer.id}`, {
        token: owner.token,
        body: { role: 'editor' },
      });
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('MEMBER_NOT_FOUND');
    });

    it('never lets the last owner be demoted, removed or leave (409 LAST_OWNER)', async () => {
      const demote = await api.request('PATCH', `${members()}/${owner.id}`, {
        token: owner.token,
        body: { role: 'editor' },
      });
      expect(demote.status).toBe(409);
      expect(demote.body.code).toBe('LAST_OWNER');
      const leave = await api.request('DELETE', `${members()}/${owner.id}`, { token: owner.token });
      expect(leave.status).toBe(409);
      expect(leave.body.code).toBe('LAST_OWNER');
      // With a second owner, the first may step down.
      await api.request('PATCH', `${members()}/${editor.id}`, { token: owner.token, body: { role: 'owner' } });
      const stepDown = await api.request('PATCH', `${members()}/${owner.id}`, {
        token: owner.token,
        body: { role: 'editor' },
      });
      expect(stepDown.status).toBe(200);
      const removeLast = await api.request('DELETE', `${members()}/${editor.id}`, { token: editor.token });
      expect(removeLast.status).toBe(409);
    });

    it('lets two owners demoting each other at once leave exactly one owner', async () => {
      await api.request('PATCH', `${members()}/${editor.id}`, { token: owner.token, body: { role: 'owner' } });
      const [a, b] = await Promise.all([
        api.request('PATCH', `${members()}/${editor.id}`, { token: owner.token, body: { role: 'viewer' } }),
        api.request('PATCH', `${members()}/${owner.id}`, { token: editor.token, body: { role: 'viewer' } }),
      ]);
      // One wins. The other fails either at the role check (403: it is no longer an owner when its
      // request is authorised) or at the last-owner rule (409: both were authorised first).
      const statuses = [a.status, b.status].sort();
      expect([
        [200, 403],
        [200, 409],
      ]).toContainEqual(statuses);
      // both are still members (one as viewer), so either may look
      const list = await api.request('GET', members(), { token: owner.token });
      expect(list.body.items.filter((m: any) => m.role === 'owner')).toHaveLength(1);
    });

    it('lets owners remove members and any member leave; others may not remove', async () => {
      await addMember(api, owner, workspaceId, viewer, 'viewer');
      const byViewer = await api.request('DELETE', `${members()}/${editor.id}`, { token: viewer.token });
      expect(byViewer.status).toBe(403);
      const byEditor = await api.request('DELETE', `${members()}/${viewer.id}`, { token: editor.token });
      expect(byEditor.status).toBe(403);
      const leave = await api.request('DELETE', `${members()}/${viewer.id}`, { token: viewer.token });
      expect(leave.status).toBe(204);
      const afterLeave = await api.request('GET', `/api/v1/workspaces/${workspaceId}`, { token: viewer.token });
      expect(afterLeave.status).toBe(404);
      const removed = await api.request('DELETE', `${members()}/${editor.id}`, { token: owner.token });
      expect(removed.status).toBe(204);
      const again = await api.request('DELETE', `${members()}/${editor.id}`, { token: owner.token });
      expect(again.status).toBe(404);
      expect(again.body.code).toBe('MEMBER_NOT_FOUND');
      const list = await api.request('GET', members(), { token: owner.token });
      expect(list.body.items.map((m: any) => m.userId)).toEqual([owner.id]);
    });
  });
});
