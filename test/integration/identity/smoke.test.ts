import { createUser, startTestApi, TestApi } from '../../support/test-app';

describe('smoke', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('logs in and reads /users/me', async () => {
    const u = await createUser(api);
    const me = await api.request('GET', '/api/v1/users/me', { token: u.token });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(u.email);
  });
});
