import { startBuiltApi, waitFor } from '../support/built-app';
import { seedUser } from '../support/seed-user';

/** JSON logs: every line of a request carries its request id, and no secret reaches a log. */
describe('api logs', () => {
  let api: Awaited<ReturnType<typeof startBuiltApi>>;

  beforeAll(async () => {
    api = await startBuiltApi({ LOG_LEVEL: 'info' });
  });
  afterAll(() => api?.close());

  function lines(): Array<Record<string, any>> {
    return api
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
  }

  it('tags request lines with the request id and redacts credentials', async () => {
    const password = 'a very secret passphrase';
    await seedUser(api.dbUrl, 'logs@lab.test', password);
    const login = await fetch(`${api.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'login-req-0001' },
      body: JSON.stringify({ email: 'logs@lab.test', password }),
    });
    const tokens = (await login.json()) as { accessToken: string; refreshToken: string };
    const failed = await fetch(`${api.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'login-req-0002' },
      body: JSON.stringify({ email: 'logs@lab.test', password: 'wrong wrong wrong' }),
    });
    expect(failed.status).toBe(401);
    const me = await fetch(`${api.url}/api/v1/users/me`, {
      headers: { authorization: `Bearer ${tokens.accessToken}`, 'x-request-id': 'me-req-000001' },
    });
    expect(me.status).toBe(200);
    // An instrument's MQTT secret (issued, then rotated) never reaches the log either.
    const auth = { authorization: `Bearer ${tokens.accessToken}`, 'content-type': 'application/json' };
    const workspace = (await (
      await fetch(`${api.url}/api/v1/workspaces`, { method: 'POST', headers: auth, body: '{"name":"Logs"}' })
    ).json()) as { id: string };
    const instruments = `${api.url}/api/v1/workspaces/${workspace.id}/instruments`;
    const created = (await (
      await fetch(instruments, { method: 'POST', headers: auth, body: '{"name":"pH meter","serialNumber":"PH-1"}' })
    ).json()) as { id: string; mqttSecret: string };
    const rotated = (await (
      await fetch(`${instruments}/${created.id}/credentials/rotate`, {
        method: 'POST',
        headers: { authorization: auth.authorization },
      })
    ).json()) as { mqttSecret: string };
    expect(created.mqttSecret).toBeDefined();
    expect(rotated.mqttSecret).toBeDefined();

    await waitFor(async () => lines().some((l) => l.requestId === 'me-req-000001'), 5000, 'log lines').catch(() => {
      throw new Error(api.output().slice(-3000));
    });
    const all = lines();
    expect(all.every((l) => typeof l.level === 'number' && typeof l.time === 'number')).toBe(true);
    const failedLines = all.filter((l) => l.requestId === 'login-req-0002');
    // the service's own warning and the access line both carry the id
    expect(failedLines.map((l) => l.msg)).toEqual(expect.arrayContaining(['failed sign-in', 'request completed']));

    const text = api.output();
    expect(text).not.toContain(password);
    expect(text).not.toContain(tokens.accessToken);
    expect(text).not.toContain(tokens.refreshToken);
    expect(text).not.toContain(created.mqttSecret);
    expect(text).not.toContain(rotated.mqttSecret);
  });
});
