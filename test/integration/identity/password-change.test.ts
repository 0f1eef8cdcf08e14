import { createUser, startTestApi, TEST_PASSWORD, TestApi, TestUser } from '../../support/test-app';

const LOGIN = '/api/v1/auth/login';
const ME = '/api/v1/users/me';
const NEW_PASSWORD = 'a brand new passphrase';

/** POST /users/me/password: only from a signed-in session, throttled like sign-ins, revoking API keys. */
describe('password change', () => {
  let api: TestApi;
  beforeAll(async () => {
    // 127.0.0.1 (the test client) is the "proxy": X-Forwarded-For names the address of each attempt
    api = await startTestApi({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCKOUT: '60', TRUST_PROXY: '127.0.0.1' });
  });
  afterAll(() => api.close());

  const mintKey = async (u: TestUser, name: string): Promise<string> => {
    const res = await api.request('POST', `${ME}/api-keys`, { token: u.token, body: { name } });
    expect(res.status).toBe(201);
    return res.body.key;
  };
  const change = (auth: { token?: string; apiKey?: string }, body: object, from = '198.51.100.1') =>
    api.request('POST', `${ME}/password`, { ...auth, body, headers: { 'x-forwarded-for': from } });
  const signIn = (u: TestUser, password: string, from: string) =>
    api.request('POST', LOGIN, { body: { email: u.email, password }, headers: { 'x-forwarded-for': from } });

  it('refuses an API key with 403 SESSION_REQUIRED, whatever it sends, and changes nothing', async () => {
    const u = await createUser(api);
    const key = await mintKey(u, 'leaked');
    for (const currentPassword of ['guess one', 'guess two', 'guess three', 'guess four', TEST_PASSWORD]) {
      const res = await change({ apiKey: key }, { currentPassword, newPassword: NEW_PASSWORD });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('SESSION_REQUIRED');
      expect(res.body.detail).toMatch(/signed-in session/);
    }
    // the guesses were not even tried: no lockout, and the password is unchanged
    expect((await signIn(u, TEST_PASSWORD, '198.51.100.1')).status).toBe(200);
    expect((await api.request('GET', ME, { apiKey: key })).status).toBe(200);
  });

  it('counts wrong current passwords toward the lockout of that account from that address', async () => {
    const u = await createUser(api);
    const attempt = { currentPassword: 'not the password', newPassword: NEW_PASSWORD };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await change({ token: u.token }, attempt, '203.0.113.7')).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const right = await change(
      { token: u.token },
      { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD },
      '203.0.113.7',
    );
    expect(right.status).toBe(429);
    expect(right.body.code).toBe('ACCOUNT_LOCKED');
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    // signing in from that address is locked too; from another it works
    expect((await signIn(u, TEST_PASSWORD, '203.0.113.7')).status).toBe(429);
    expect((await signIn(u, TEST_PASSWORD, '198.51.100.2')).status).toBe(200);
  });

  it('revokes every API key by default and says how many; revokeApiKeys: false keeps them', async () => {
    const u = await createUser(api);
    const keys = [await mintKey(u, 'one'), await mintKey(u, 'two')];
    const other = await signIn(u, TEST_PASSWORD, '198.51.100.3');
    const changed = await change({ token: u.token }, { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ endedSessions: 1, revokedApiKeys: 2 });
    for (const key of keys) {
      const res = await api.request('GET', ME, { apiKey: key });
      expect(res.status).toBe(401);
    }
    expect((await api.request('GET', ME, { token: other.body.accessToken })).status).toBe(401);
    expect((await api.request('GET', ME, { token: u.token })).status).toBe(200);
    const listed = await api.request('GET', `${ME}/api-keys`, { token: u.token });
    expect(listed.body.every((k: any) => k.revokedAt !== null)).toBe(true);

    const kept = await mintKey(u, 'kept');
    const again = await change(
      { token: u.token },
      { currentPassword: NEW_PASSWORD, newPassword: 'yet another passphrase', revokeApiKeys: false },
    );
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ endedSessions: 0, revokedApiKeys: 0 });
    expect((await api.request('GET', ME, { apiKey: kept })).status).toBe(200);
    const bad = await change({ token: u.token }, { currentPassword: 'x', newPassword: 'y', revokeApiKeys: 'yes' });
    expect(bad.status).toBe(400);
  });
});
