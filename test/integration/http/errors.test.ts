import { createUser, startTestApi, TestApi, TestUser } from '../../support/test-app';

/** Every failure leaves the api as application/problem+json with a stable code and a request id. */
describe('HTTP errors are problem+json', () => {
  let api: TestApi;
  let user: TestUser;

  beforeAll(async () => {
    api = await startTestApi({ API_BODY_LIMIT_BYTES: '2048' });
    user = await createUser(api);
  });
  afterAll(() => api.close());

  function expectProblem(res: { status: number; body: any; headers: any }, status: number, code: string) {
    expect(res.status).toBe(status);
    expect(String(res.headers['content-type'])).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String) });
    expect(typeof res.body.detail).toBe('string');
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  }

  it('unknown routes', async () => {
    expectProblem(await api.request('GET', '/api/v1/no-such-thing', { token: user.token }), 404, 'ROUTE_NOT_FOUND');
    expectProblem(await api.request('GET', '/nowhere'), 404, 'ROUTE_NOT_FOUND');
  });

  it('malformed JSON', async () => {
    const res = await api.request('POST', '/api/v1/auth/login', {
      payload: '{"email": "a@b.c", "password": ',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(res, 400, 'MALFORMED_JSON');
  });

  it('too-large bodies', async () => {
    const res = await api.request('POST', '/api/v1/auth/login', {
      body: { email: 'a@b.c', password: 'x'.repeat(4000) },
    });
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(res.body.limitBytes).toBe(2048);
  });

  it('wrong content types', async () => {
    const res = await api.request('POST', '/api/v1/auth/login', {
      payload: 'email=a@b.c&password=x',
      headers: { 'content-type': 'text/plain' },
    });
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('validation failures list each field', async () => {
    const res = await api.request('POST', '/api/v1/auth/login', { body: { email: 'not-an-email' } });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'password']));
  });

  it('unknown fields are refused (mass assignment)', async () => {
    const res = await api.request('POST', '/api/v1/users/me/api-keys', {
      token: user.token,
      body: { name: 'k', userId: '00000000-0000-0000-0000-000000000000' },
    });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors).toEqual([{ field: 'userId', message: 'property userId should not exist' }]);
    const keys = await api.request('GET', '/api/v1/users/me/api-keys', { token: user.token });
    expect(keys.body).toEqual([]);
  });

  it('missing credentials', async () => {
    expectProblem(await api.request('GET', '/api/v1/users/me'), 401, 'UNAUTHENTICATED');
    expectProblem(await api.request('GET', '/api/v1/users/me', { token: 'garbage' }), 401, 'UNAUTHENTICATED');
  });

  it('keeps a sane caller request id and replaces an unsafe one', async () => {
    const kept = await api.request('GET', '/api/v1/users/me', { headers: { 'x-request-id': 'trace-abc-12345' } });
    expect(kept.headers['x-request-id']).toBe('trace-abc-12345');
    expect(kept.body.requestId).toBe('trace-abc-12345');
    const replaced = await api.request('GET', '/api/v1/users/me', { headers: { 'x-request-id': 'bad id\n' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('an invalid uuid in a path is a 400, not a 500', async () => {
    const res = await api.request('DELETE', '/api/v1/users/me/api-keys/not-a-uuid', { token: user.token });
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });
});
