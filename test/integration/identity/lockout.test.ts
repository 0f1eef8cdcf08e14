import { randomBytes } from 'node:crypto';
import { createUser, startTestApi, TEST_PASSWORD, TestApi } from '../../support/test-app';

const LOGIN = '/api/v1/auth/login';

describe('login rate limits and lockout (counted in Redis, shared by replicas)', () => {
  let a: TestApi;
  let b: TestApi;
  const prefix = `lwt:${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const env = {
      REDIS_KEY_PREFIX: prefix,
      LOGIN_MAX_FAILURES: '3',
      LOGIN_LOCKOUT: '60',
      LOGIN_IP_LIMIT_PER_MINUTE: '1000',
    };
    a = await startTestApi(env);
    // a second api process on the same database and Redis, as a replica would be
    b = await startTestApi({ ...env, JWT_SECRET: a.config.auth.jwtSecret }, { databaseUrl: a.dbUrl });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('locks an account after repeated failures, on every replica, even for the right password', async () => {
    const u = await createUser(a);
    for (let i = 0; i < 3; i++) {
      const res = await (i % 2 ? b : a).request('POST', LOGIN, {
        body: { email: u.email, password: 'wrong password' },
      });
      expect([401, 429]).toContain(res.status);
    }
    for (const replica of [a, b]) {
      const res = await replica.request('POST', LOGIN, { body: { email: u.email, password: TEST_PASSWORD } });
      expect(res.status).toBe(429);
      expect(res.body.code).toBe('ACCOUNT_LOCKED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    }
    // The lock is per account: another user signs in fine.
    const other = await createUser(b);
    expect((await a.request('POST', LOGIN, { body: { email: other.email, password: TEST_PASSWORD } })).status).toBe(
      200,
    );
  });

  it('a success resets the failure count', async () => {
    const u = await createUser(a);
    for (let i = 0; i < 2; i++) await a.request('POST', LOGIN, { body: { email: u.email, password: 'nope nope' } });
    expect((await a.request('POST', LOGIN, { body: { email: u.email, password: TEST_PASSWORD } })).status).toBe(200);
    for (let i = 0; i < 2; i++) await b.request('POST', LOGIN, { body: { email: u.email, password: 'nope nope' } });
    expect((await b.request('POST', LOGIN, { body: { email: u.email, password: TEST_PASSWORD } })).status).toBe(200);
  });
});

describe('per-IP login limit', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ LOGIN_IP_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(() => api.close());

  it('answers 429 TOO_MANY_REQUESTS past the limit for one client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await api.request('POST', LOGIN, { body: { email: `x${i}@lab.test`, password: 'whatever pass' } });
      statuses.push(res.status);
      if (res.status === 429) expect(res.body.code).toBe('TOO_MANY_REQUESTS');
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });
});
