import { randomBytes } from 'node:crypto';
import { waitFor } from '../../support/built-app';
import { createUser, startTestApi, TestApi } from '../../support/test-app';
import { addMember } from '../../support/workspace-factories';

/**
 * Authentication state is cached per replica for a few seconds; every change that affects it must
 * still take effect at once on the replica that made it and, through Redis, on every other one.
 */
describe('auth cache across replicas', () => {
  let a: TestApi;
  let b: TestApi;

  beforeAll(async () => {
    const env = { REDIS_KEY_PREFIX: `lwt:${randomBytes(4).toString('hex')}` };
    a = await startTestApi(env);
    b = await startTestApi({ ...env, JWT_SECRET: a.config.auth.jwtSecret }, { databaseUrl: a.dbUrl });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  const ok = async (api: TestApi, url: string, token: string) => (await api.request('GET', url, { token })).status;

  it('logout on one replica ends the session on the other', async () => {
    const u = await createUser(a);
    expect(await ok(b, '/api/v1/users/me', u.token)).toBe(200); // cached on b now
    expect((await a.request('POST', '/api/v1/auth/logout', { token: u.token })).status).toBe(204);
    expect(await ok(a, '/api/v1/users/me', u.token)).toBe(401);
    await waitFor(async () => (await ok(b, '/api/v1/users/me', u.token)) === 401, 2000, 'b to see the logout');
  });

  it('removing a member on one replica locks them out of the workspace on the other', async () => {
    const owner = await createUser(a);
    const member = await createUser(a);
    const ws = await a.request('POST', '/api/v1/workspaces', { token: owner.token, body: { name: 'Cache lab' } });
    await addMember(a, owner, ws.body.id, member, 'editor');
    const instruments = `/api/v1/workspaces/${ws.body.id}/instruments`;
    expect(await ok(b, instruments, member.token)).toBe(200); // cached on b as editor
    const removed = await a.request('DELETE', `/api/v1/workspaces/${ws.body.id}/members/${member.id}`, {
      token: owner.token,
    });
    expect(removed.status).toBe(204);
    await waitFor(async () => (await ok(b, instruments, member.token)) === 404, 2000, 'b to see the removal');
  });

  it('a membership granted on one replica works at once on the other, even after a cached 404', async () => {
    const owner = await createUser(a);
    const newcomer = await createUser(a);
    const ws = await a.request('POST', '/api/v1/workspaces', { token: owner.token, body: { name: 'Join lab' } });
    const locations = `/api/v1/workspaces/${ws.body.id}/locations`;
    expect(await ok(b, locations, newcomer.token)).toBe(404);
    await addMember(a, owner, ws.body.id, newcomer, 'viewer');
    await waitFor(async () => (await ok(b, locations, newcomer.token)) === 200, 2000, 'b to see the new member');
  });

  it('a revoked API key stops working on the other replica', async () => {
    const u = await createUser(a);
    const key = await a.request('POST', '/api/v1/users/me/api-keys', { token: u.token, body: { name: 'k' } });
    expect((await b.request('GET', '/api/v1/users/me', { apiKey: key.body.key })).status).toBe(200);
    await a.request('DELETE', `/api/v1/users/me/api-keys/${key.body.id}`, { token: u.token });
    await waitFor(
      async () => (await b.request('GET', '/api/v1/users/me', { apiKey: key.body.key })).status === 401,
      2000,
      'b to see the revocation',
    );
  });
});
