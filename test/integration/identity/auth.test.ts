import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createUser, startTestApi, TEST_PASSWORD, TestApi } from '../../support/test-app';

const LOGIN = '/api/v1/auth/login';
const REFRESH = '/api/v1/auth/refresh';
const ME = '/api/v1/users/me';

function b64url(o: object): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}

describe('authentication', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('signs in with the CONTRACT response shape; wrong passwords and unknown emails look the same', async () => {
    const u = await createUser(api);
    const ok = await api.request('POST', LOGIN, { body: { email: u.email.toUpperCase(), password: TEST_PASSWORD } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    const header = JSON.parse(Buffer.from(ok.body.accessToken.split('.')[0], 'base64url').toString());
    expect(header.alg).toBe('HS256');
    const claims = JSON.parse(Buffer.from(ok.body.accessToken.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: u.id, iss: 'labwire', aud: 'labwire-api', typ: 'access' });

    const wrong = await api.request('POST', LOGIN, { body: { email: u.email, password: 'not the password' } });
    const unknown = await api.request('POST', LOGIN, { body: { email: 'nobody@lab.test', password: 'whatever1234' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
    expect(unknown.body.detail).toBe(wrong.body.detail);
  });

  it('rotates refresh tokens; reusing a spent one revokes the whole family', async () => {
    const u = await createUser(api);
    const first = await api.request('POST', REFRESH, { body: { refreshToken: u.refreshToken } });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(u.refreshToken);
    const second = await api.request('POST', REFRESH, { body: { refreshToken: first.body.refreshToken } });
    expect(second.status).toBe(200);
    expect((await api.request('GET', ME, { token: second.body.accessToken })).status).toBe(200);

    // An attacker replays the original (spent) token: refused, and the family dies.
    const replay = await api.request('POST', REFRESH, { body: { refreshToken: u.refreshToken } });
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe('REFRESH_TOKEN_INVALID');
    const legit = await api.request('POST', REFRESH, { body: { refreshToken: second.body.refreshToken } });
    expect(legit.status).toBe(400);
    expect((await api.request('GET', ME, { token: second.body.accessToken })).status).toBe(401);
    expect((await api.request('GET', ME, { token: u.token })).status).toBe(401);

    // Other sessions of the same user are not affected.
    const other = await api.request('POST', LOGIN, { body: { email: u.email, password: TEST_PASSWORD } });
    expect((await api.request('GET', ME, { token: other.body.accessToken })).status).toBe(200);
  });

  it('refuses unknown refresh tokens', async () => {
    const res = await api.request('POST', REFRESH, { body: { refreshToken: 'x'.repeat(43) } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('logout ends the session: its access and refresh tokens stop working', async () => {
    const u = await createUser(api);
    expect((await api.request('POST', '/api/v1/auth/logout', { token: u.token })).status).toBe(204);
    expect((await api.request('GET', ME, { token: u.token })).status).toBe(401);
    expect((await api.request('POST', REFRESH, { body: { refreshToken: u.refreshToken } })).status).toBe(400);
  });

  it('rejects tampered, foreign, unsigned and expired tokens', async () => {
    const u = await createUser(api);
    const [h, p] = u.token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${p}.`;
    const sign = (payload: object, secret: string) => {
      const head = b64url({ alg: 'HS256', typ: 'JWT' });
      const body = b64url(payload);
      return `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}`;
    };
    const secret = api.config.auth.jwtSecret;
    const now = Math.floor(Date.now() / 1000);
    const cases = {
      none,
      tampered: `${h}.${b64url({ ...claims, sub: '00000000-0000-0000-0000-000000000000' })}.${u.token.split('.')[2]}`,
      otherSecret: sign(claims, 'another-secret-another-secret-another'),
      wrongAudience: sign({ ...claims, aud: 'someone-else' }, secret),
      wrongIssuer: sign({ ...claims, iss: 'evil' }, secret),
      expired: sign({ ...claims, iat: now - 3600, exp: now - 60 }, secret),
    };
    for (const [name, token] of Object.entries(cases)) {
      const res = await api.request('GET', ME, { token });
      expect({ name, status: res.status }).toEqual({ name, status: 401 });
    }
    expect((await api.request('GET', ME, { token: sign(claims, secret) })).status).toBe(200);
  });

  it('changing the password ends the other sessions but keeps the current one', async () => {
    const u = await createUser(api);
    const other = await api.request('POST', LOGIN, { body: { email: u.email, password: TEST_PASSWORD } });
    const weak = await api.request('POST', `${ME}/password`, {
      token: u.token,
      body: { currentPassword: TEST_PASSWORD, newPassword: 'short' },
    });
    expect(weak.status).toBe(400);
    expect(weak.body.code).toBe('WEAK_PASSWORD');
    const wrong = await api.request('POST', `${ME}/password`, {
      token: u.token,
      body: { currentPassword: 'not it at all', newPassword: 'a brand new passphrase' },
    });
    expect(wrong.status).toBe(401);
    const changed = await api.request('POST', `${ME}/password`, {
      token: u.token,
      body: { currentPassword: TEST_PASSWORD, newPassword: 'a brand new passphrase' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ endedSessions: 1, revokedApiKeys: 0 });
    expect((await api.request('GET', ME, { token: u.token })).status).toBe(200);
    expect((await api.request('GET', ME, { token: other.body.accessToken })).status).toBe(401);
    expect((await api.request('POST', REFRESH, { body: { refreshToken: other.body.refreshToken } })).status).toBe(400);
    expect((await api.request('POST', LOGIN, { body: { email: u.email, password: TEST_PASSWORD } })).status).toBe(401);
    expect(
      (await api.request('POST', LOGIN, { body: { email: u.email, password: 'a brand new passphrase' } })).status,
    ).toBe(200);
  });

  it('registration is closed by default', async () => {
    const res = await api.request('POST', '/api/v1/auth/register', {
      body: { email: 'new@lab.test', fullName: 'New', password: 'long enough password' },
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('REGISTRATION_CLOSED');
  });
});

describe('API keys', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('are shown once, stored hashed, listed with last use, and revocable', async () => {
    const u = await createUser(api);
    const created = await api.request('POST', `${ME}/api-keys`, { token: u.token, body: { name: 'nightly job' } });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^lw_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.body.key.startsWith(`lw_${created.body.prefix}_`)).toBe(true);

    const me = await api.request('GET', ME, { apiKey: created.body.key });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(u.id);

    const list = await api.request('GET', `${ME}/api-keys`, { token: u.token });
    expect(list.body).toHaveLength(1);
    expect(list.body[0]).not.toHaveProperty('key');
    expect(list.body[0].lastUsedAt).not.toBeNull();
    // the secret part (after lw_<prefix>_; it may itself hold _, so not split on it)
    expect(JSON.stringify(list.body)).not.toContain(created.body.key.slice('lw_'.length + 12 + 1));

    const rows = await api.app.get(DataSource).query('SELECT key_hash FROM api_keys');
    expect(rows[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].key_hash).not.toContain(created.body.key);

    expect((await api.request('DELETE', `${ME}/api-keys/${created.body.id}`, { token: u.token })).status).toBe(204);
    const after = await api.request('GET', ME, { apiKey: created.body.key });
    expect(after.status).toBe(401);
    expect((await api.request('GET', ME, { apiKey: 'lw_aaaaaaaaaaaa_' + 'b'.repeat(43) })).status).toBe(401);
  });

  it('cannot be used to create more keys', async () => {
    const u = await createUser(api);
    const key = await api.request('POST', `${ME}/api-keys`, { token: u.token, body: { name: 'leaky' } });
    const minted = await api.request('POST', `${ME}/api-keys`, { apiKey: key.body.key, body: { name: 'forever' } });
    expect(minted.status).toBe(403);
    expect(minted.body.code).toBe('SESSION_REQUIRED');
    expect((await api.request('GET', `${ME}/api-keys`, { token: u.token })).body).toHaveLength(1);
  });

  it("cannot revoke another user's key", async () => {
    const a = await createUser(api);
    const b = await createUser(api);
    const key = await api.request('POST', `${ME}/api-keys`, { token: a.token, body: { name: 'a' } });
    const res = await api.request('DELETE', `${ME}/api-keys/${key.body.id}`, { token: b.token });
    expect(res.status).toBe(404);
    expect((await api.request('GET', ME, { apiKey: key.body.key })).status).toBe(200);
  });

  it('expired keys are refused, and expiry must be in the future', async () => {
    const u = await createUser(api);
    const past = await api.request('POST', `${ME}/api-keys`, {
      token: u.token,
      body: { name: 'old', expiresAt: new Date(Date.now() - 1000).toISOString() },
    });
    expect(past.status).toBe(400);
  });
});
