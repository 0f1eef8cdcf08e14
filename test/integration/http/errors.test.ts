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

  it('refuses form-encoded and untyped bodies on JSON routes with a 415 naming application/json', async () => {
    // what `curl -d '{"name":…}'` sends: once parsed as a form, answered `property {"name":…} should not exist`
    const form = await api.request('POST', '/api/v1/workspaces', {
      token: user.token,
      payload: '{"name":"Lab"}',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectProblem(form, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(form.body.detail).toMatch(/application\/x-www-form-urlencoded is not accepted.*application\/json/);
    expect(form.body.acceptedContentTypes).toEqual(['application/json']);
    const untyped = await api.request('POST', '/api/v1/workspaces', { token: user.token, payload: '{"name":"Lab"}' });
    expectProblem(untyped, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(untyped.body.detail).toMatch(/no Content-Type.*application\/json/);
    const workspaces = await api.request('GET', '/api/v1/workspaces', { token: user.token });
    expect(workspaces.body.total).toBe(0);
  });

  it('validation failures list each field', async () => {
    const res = await api.request('POST', '/api/v1/auth/login', { body: { email: 'not-an-email' } });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'password']));
  });

  it('says once per field what is wrong: required, or the expected type and what came', async () => {
    const missing = await api.request('POST', '/api/v1/workspaces', { token: user.token, body: {} });
    expectProblem(missing, 400, 'VALIDATION_FAILED');
    expect(missing.body.errors).toEqual([{ field: 'name', message: 'name is required' }]);
    expect(missing.body.detail).toBe('Request is invalid: name is required');

    const wrongType = await api.request('POST', '/api/v1/workspaces', {
      token: user.token,
      body: { name: 'Lab', telemetryRetentionDays: '30' },
    });
    expect(wrongType.body.errors).toEqual([
      { field: 'telemetryRetentionDays', message: 'telemetryRetentionDays must be an integer (got a string)' },
    ]);
    const query = await api.request('GET', '/api/v1/workspaces', { token: user.token, query: { pageSize: 'ten' } });
    expect(query.body.errors).toEqual([
      { field: 'pageSize', message: 'pageSize must be an integer (got a value that is not a number)' },
    ]);
    const notObject = await api.request('POST', '/api/v1/workspaces', { token: user.token, body: ['Lab'] });
    expect(notObject.body.errors).toEqual([
      { field: 'body', message: 'the body must be a JSON object (got an array)' },
    ]);
    // a field that is there and of the right type gets the one constraint it broke
    const tooLong = await api.request('POST', '/api/v1/workspaces', {
      token: user.token,
      body: { name: 'x'.repeat(300) },
    });
    expect(tooLong.body.errors).toEqual([{ field: 'name', message: expect.stringMatching(/^name must be shorter/) }]);
    expect((await api.request('GET', '/api/v1/workspaces', { token: user.token })).body.total).toBe(0);
  });

  it('refuses lone UTF-16 surrogates in JSON strings and keys, naming the field', async () => {
    const send = (payload: string) =>
      api.request('POST', '/api/v1/workspaces', {
        token: user.token,
        payload,
        headers: { 'content-type': 'application/json' },
      });
    const value = await send('{"name": "Lab \\ud800"}');
    expectProblem(value, 400, 'VALIDATION_FAILED');
    expect(value.body.errors).toEqual([{ field: 'name', message: expect.stringContaining('lone UTF-16 surrogate') }]);
    const key = await send('{"name": "Lab", "\\udc00x": 1}');
    expectProblem(key, 400, 'VALIDATION_FAILED');
    expect(key.body.errors[0].field).toBe('\\udc00x');
    expect((await api.request('GET', '/api/v1/workspaces', { token: user.token })).body.total).toBe(0);
  });

  it('a page number past any list is a 400 naming page, not a 500', async () => {
    const res = await api.request('GET', '/api/v1/workspaces', {
      token: user.token,
      query: { page: '99999999999999999999' },
    });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors).toEqual([
      { field: 'page', message: expect.stringMatching(/^page must not be greater than/) },
    ]);
    const last = await api.request('GET', '/api/v1/workspaces', { token: user.token, query: { page: 10_000_000 } });
    expect(last.status).toBe(200);
  });

  it('unknown fields are refused (mass assignment)', async () => {
    const res = await api.request('POST', '/api/v1/users/me/api-keys', {
      token: user.token,
      body: { name: 'k', userId: '00000000-0000-0000-0000-000000000000' },
    });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors).toEqual([{ field: 'userId', message: 'userId is not a field of this request; remove it' }]);
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
