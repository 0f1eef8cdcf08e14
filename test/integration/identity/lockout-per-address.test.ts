import { createUser, startTestApi, TEST_PASSWORD, TestApi, TestUser } from '../../support/test-app';

const LOGIN = '/api/v1/auth/login';

/**
 * Lockout per account AND address: a stranger's failures lock only the stranger's address; guessing
 * spread over many addresses hits the per-account ceiling, which spares addresses the user signed in from.
 */
describe('sign-in lockout per account and address', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({
      LOGIN_MAX_FAILURES: '3',
      LOGIN_ACCOUNT_MAX_FAILURES: '6',
      LOGIN_LOCKOUT: '60',
      LOGIN_IP_LIMIT_PER_MINUTE: '1000',
      // the test client (127.0.0.1) is the proxy: X-Forwarded-For names each attempt's address
      TRUST_PROXY: '127.0.0.1',
    });
  });
  afterAll(() => api.close());

  const signIn = (u: TestUser, password: string, from: string) =>
    api.request('POST', LOGIN, { body: { email: u.email, password }, headers: { 'x-forwarded-for': from } });

  it("a stranger's failures lock the stranger's address, not the user's", async () => {
    const u = await createUser(api);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await signIn(u, 'guessing away', '203.0.113.66')).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const strangerRight = await signIn(u, TEST_PASSWORD, '203.0.113.66');
    expect(strangerRight.status).toBe(429);
    expect(strangerRight.body.code).toBe('ACCOUNT_LOCKED');
    // the user, from their own address (never seen before, too), signs in
    expect((await signIn(u, TEST_PASSWORD, '198.51.100.10')).status).toBe(200);
  });

  it('guessing from many addresses hits the account ceiling; addresses the user signed in from still work', async () => {
    const u = await createUser(api);
    expect((await signIn(u, TEST_PASSWORD, '198.51.100.20')).status).toBe(200); // the user's office
    // six addresses, one failure each: no pair is locked, the account's ceiling (6) is reached
    for (let i = 1; i <= 6; i++) expect((await signIn(u, 'guessing away', `203.0.113.${i}`)).status).toBe(401);
    const seventh = await signIn(u, 'guessing away', '203.0.113.7');
    expect(seventh.status).toBe(429);
    expect(seventh.body.code).toBe('ACCOUNT_LOCKED');
    // an unfamiliar address is refused even with the right password…
    expect((await signIn(u, TEST_PASSWORD, '203.0.113.8')).status).toBe(429);
    // …the user's office is not
    expect((await signIn(u, TEST_PASSWORD, '198.51.100.20')).status).toBe(200);
    // and another account is untouched
    const other = await createUser(api);
    expect((await signIn(other, TEST_PASSWORD, '203.0.113.9')).status).toBe(200);
  });
});
