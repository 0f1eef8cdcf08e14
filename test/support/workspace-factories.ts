import { createUser, TestApi, TestUser } from './test-app';
import { WorkspaceRole } from '../../libs/domain/src';

/** Creates a workspace owned by `owner` and returns its id. */
export async function createWorkspace(api: TestApi, owner: TestUser, name = 'Test workspace'): Promise<string> {
  const res = await api.request('POST', '/api/v1/workspaces', { token: owner.token, body: { name } });
  if (res.status !== 201) throw new Error(`create workspace failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/**
 * Adds `user` to the workspace with a role: the owner invites them (POST …/members) and they accept
 * (POST /users/me/invitations/{id}/accept), as people join a workspace.
 */
export async function addMember(
  api: TestApi,
  owner: TestUser,
  workspaceId: string,
  user: TestUser,
  role: WorkspaceRole,
): Promise<void> {
  const invited = await api.request('POST', `/api/v1/workspaces/${workspaceId}/members`, {
    token: owner.token,
    body: { email: user.email, role },
  });
  if (invited.status !== 202) throw new Error(`invite failed: ${invited.status} ${JSON.stringify(invited.body)}`);
  const accepted = await api.request('POST', `/api/v1/users/me/invitations/${invited.body.id}/accept`, {
    token: user.token,
  });
  if (accepted.status !== 200) throw new Error(`accept failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
}

export interface WorkspaceCrew {
  workspaceId: string;
  owner: TestUser;
  editor: TestUser;
  viewer: TestUser;
  outsider: TestUser;
}

/** A workspace with an owner, an editor, a viewer, and a signed-in user who is not a member. */
export async function createWorkspaceCrew(api: TestApi, name?: string): Promise<WorkspaceCrew> {
  const [owner, editor, viewer, outsider] = await Promise.all([
    createUser(api),
    createUser(api),
    createUser(api),
    createUser(api),
  ]);
  const workspaceId = await createWorkspace(api, owner, name);
  await addMember(api, owner, workspaceId, editor, 'editor');
  await addMember(api, owner, workspaceId, viewer, 'viewer');
  return { workspaceId, owner, editor, viewer, outsider };
}

export async function createLocation(
  api: TestApi,
  user: TestUser,
  workspaceId: string,
  body: Record<string, unknown> = {},
): Promise<any> {
  const res = await api.request('POST', `/api/v1/workspaces/${workspaceId}/locations`, {
    token: user.token,
    body: { name: `Room ${Math.random().toString(36).slice(2, 8)}`, ...body },
  });
  if (res.status !== 201) throw new Error(`create location failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

let serial = 0;

export async function createInstrument(
  api: TestApi,
  user: TestUser,
  workspaceId: string,
  body: Record<string, unknown> = {},
): Promise<any> {
  const res = await api.request('POST', `/api/v1/workspaces/${workspaceId}/instruments`, {
    token: user.token,
    body: { name: `Instrument ${++serial}`, serialNumber: `SN-${serial}-${Date.now()}`, ...body },
  });
  if (res.status !== 201) throw new Error(`create instrument failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
