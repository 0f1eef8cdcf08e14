import { createUser, startTestApi, TEST_PASSWORD, TestApi, TestUser } from '../../support/test-app';

const LOGIN = '/api/v1/auth/login';

describe('registration and user administration', () => {
  let api: TestApi;
  let admin: TestUser;

  beforeAll(async () => {
    api = await startTestApi({ USERS_OPEN_REGISTRATION: 'true' });
    admin = await createUser(api, { role: 'admin' });
  });
  afterAll(() => api.close());

  it('open registration creates a pending user who signs in only once approved', async () => {
    const body = { email: 'Grace.Hopper@Lab.test', fullName: 'Grace Hopper', password: 'cobol forever and ever' };
    const reg = await api.request('POST', '/api/v1/auth/register', { body });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ email: 'grace.hopper@lab.test', status: 'pending', role: 'user' });
    expect(reg.body).not.toHaveProperty('passwordHash');

    const dup = await api.request('POST', '/api/v1/auth/register', {
      body: { ...body, email: 'GRACE.HOPPER@lab.test' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('EMAIL_TAKEN');

    const pending = await api.request('POST', LOGIN, { body: { email: body.email, password: body.password } });
    expect(pending.status).toBe(403);
    expect(pending.body.code).toBe('ACCOUNT_PENDING');

    const list = await api.request('GET', '/api/v1/users', { token: admin.token, query: { status: 'pending' } });
    expect(list.status).toBe(200);
    expect(list.body.items.map((u: { id: string }) => u.id)).toEqual([reg.body.id]);
    expect(list.body).toMatchObject({ total: 1, page: 1, pageSize: 50, totalPages: 1 });

    const approved = await api.request('POST', `/api/v1/users/${reg.body.id}/approve`, { token: admin.token });
    expect(approved.body.status).toBe('active');
    expect((await api.request('POST', LOGIN, { body: { email: body.email, password: body.password } })).status).toBe(
      200,
    );
  });

  it('registration refuses weak passwords and extra fields', async () => {
    const weak = await api.request('POST', '/api/v1/auth/register', {
      body: { email: 'w@lab.test', fullName: 'W', password: 'short' },
    });
    expect(weak.status).toBe(400);
    const escalate = await api.request('POST', '/api/v1/auth/register', {
      body: { email: 'e@lab.test', fullName: 'E', password: 'long enough password', role: 'admin', status: 'active' },
    });
    expect(escalate.status).toBe(400);
    expect(escalate.body.code).toBe('VALIDATION_FAILED');
    const login = await api.request('POST', LOGIN, { body: { email: 'e@lab.test', password: 'long enough password' } });
    expect(login.status).toBe(401);
  });

  it('only platform admins manage users', async () => {
    const u = await createUser(api);
    for (const [method, url] of [
      ['GET', '/api/v1/users'],
      ['GET', `/api/v1/users/${u.id}`],
      ['PATCH', `/api/v1/users/${u.id}`],
      ['POST', `/api/v1/users/${u.id}/approve`],
      ['POST', `/api/v1/users/${u.id}/disable`],
      ['POST', '/api/v1/users'],
    ] as const) {
      const res = await api.request(method, url, { token: u.token, body: method === 'GET' ? undefined : {} });
      expect({ method, url, status: res.status }).toEqual({ method, url, status: 403 });
    }
  });

  it('disabling a user ends their sessions; roles change on the server at once', async () => {
    const u = await createUser(api);
    const promoted = await api.request('PATCH', `/api/v1/users/${u.id}`, {
      token: admin.token,
      body: { role: 'admin' },
    });
    expect(promoted.body.role).toBe('admin');
    // the existing token now carries admin rights (role is read on each request, not from the token)
    expect((await api.request('GET', '/api/v1/users', { token: u.token })).status).toBe(200);

    const disabled = await api.request('POST', `/api/v1/users/${u.id}/disable`, { token: admin.token });
    expect(disabled.body.status).toBe('disabled');
    expect((await api.request('GET', '/api/v1/users/me', { token: u.token })).status).toBe(401);
    const login = await api.request('POST', LOGIN, { body: { email: u.email, password: TEST_PASSWORD } });
    expect(login.status).toBe(403);
    expect(login.body.code).toBe('ACCOUNT_DISABLED');
  });

  it('the last active admin can be neither demoted nor disabled', async () => {
    const solo = await startTestApi();
    try {
      const only = await createUser(solo, { role: 'admin' });
      const demote = await solo.request('PATCH', `/api/v1/users/${only.id}`, {
        token: only.token,
        body: { role: 'user' },
      });
      expect(demote.status).toBe(409);
      expect(demote.body.code).toBe('LAST_ADMIN');
      const disable = await solo.request('POST', `/api/v1/users/${only.id}/disable`, { token: only.token });
      expect(disable.status).toBe(409);
      const second = await createUser(solo, { role: 'admin' });
      const ok = await solo.request('PATCH', `/api/v1/users/${only.id}`, {
        token: second.token,
        body: { role: 'user' },
      });
      expect(ok.status).toBe(200);
    } finally {
      await solo.close();
    }
  });

  it('admins create users; unknown users are 404', async () => {
    const created = await api.request('POST', '/api/v1/users', {
      token: admin.token,
      body: { email: 'New.Tech@lab.test', fullName: 'New Tech', password: 'a sturdy passphrase' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'new.tech@lab.test', status: 'active', role: 'user' });
    const missing = await api.request('GET', '/api/v1/users/00000000-0000-4000-8000-000000000000', {
      token: admin.token,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('USER_NOT_FOUND');
    const sorted = await api.request('GET', '/api/v1/users', {
      token: admin.token,
      query: { sort: '-email', q: 'lab.test' },
    });
    const emails = sorted.body.items.map((u: { email: string }) => u.email);
    expect(emails).toEqual([...emails].sort().reverse());
    const badSort = await api.request('GET', '/api/v1/users', { token: admin.token, query: { sort: 'passwordHash' } });
    expect(badSort.status).toBe(400);
  });
});
