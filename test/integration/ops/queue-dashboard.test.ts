import { JobName, QUEUE_NAMES, QueueName, QueueRegistry } from '../../../libs/queue/src';
import { SessionRepository, UserService } from '../../../libs/domain/src';
import { createUser, startTestApi, TestApi, TestUser } from '../../support/test-app';
import { deleteRedisKeys } from '../../support/spawn-app';

const BASE = '/admin/queues/ui';
const HOST = 'labwire.test:3000';
const ORIGIN = `http://${HOST}`;

/**
 * The queue dashboard's HTTP rules: sign-in by form sets a session cookie (HttpOnly, Secure outside
 * development, SameSite=Strict, scoped to the dashboard) bound to a real session; only platform
 * admins; state-changing calls only from the dashboard's own origin. The browser test is
 * queue-dashboard-browser.test.ts.
 */
describe('queue dashboard: sign-in, cookie and CSRF rules', () => {
  let api: TestApi;
  let admin: TestUser;
  let queues: QueueRegistry;

  beforeAll(async () => {
    api = await startTestApi();
    admin = await createUser(api, { role: 'admin' });
    queues = QueueRegistry.open(api.config);
  });
  afterAll(async () => {
    await queues?.close();
    await api?.close();
    if (api) await deleteRedisKeys(api.config.redis.prefix);
  });

  const inject = (method: string, url: string, headers: Record<string, string> = {}, payload?: string) =>
    api.app.inject({ method: method as 'GET', url, headers: { host: HOST, ...headers }, payload });
  const signIn = (email: string, password: string, headers: Record<string, string> = { origin: ORIGIN }) =>
    inject(
      'POST',
      `${BASE}/login`,
      { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      new URLSearchParams({ email, password }).toString(),
    );
  /** Signs in and answers the Cookie header the browser would send back. */
  async function cookieOf(user: TestUser): Promise<string> {
    const res = await signIn(user.email, user.password);
    expect(res.statusCode).toBe(303);
    return String(res.headers['set-cookie']).split(';')[0];
  }

  it('refuses the signed-out: pages redirect to the sign-in form, JSON calls answer 401', async () => {
    const page = await inject('GET', BASE);
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe(`${BASE}/login`);
    const call = await inject('GET', `${BASE}/api/queues`);
    expect(call.statusCode).toBe(401);
    expect(call.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const form = await inject('GET', `${BASE}/login`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain(`action="${BASE}/login"`);
    expect(form.headers['content-security-policy']).toBe("frame-ancestors 'none'");
    // a forged cookie is nobody
    const forged = await inject('GET', `${BASE}/api/queues`, { cookie: 'labwire_dashboard=eyJhbGciOiJub25lIn0.e30.' });
    expect(forged.statusCode).toBe(401);
  });

  it('signs an admin in with a session cookie that shows every queue and nothing of the API', async () => {
    const res = await signIn(admin.email, admin.password);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(BASE);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^labwire_dashboard=[\w-]+\.[\w-]+\.[\w-]+;/);
    expect(setCookie).toContain(`Path=${BASE}`);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Secure'); // NODE_ENV=test is not development
    const cookie = setCookie.split(';')[0];

    const list = await inject('GET', `${BASE}/api/queues`, { cookie });
    expect(list.statusCode).toBe(200);
    expect(
      list
        .json()
        .queues.map((q: { name: string }) => q.name)
        .sort(),
    ).toEqual([...QUEUE_NAMES].sort());
    const ui = await inject('GET', BASE, { cookie });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');

    // The cookie's token is no API credential, neither as a cookie nor as a Bearer token.
    expect((await inject('GET', '/api/v1/users/me', { cookie })).statusCode).toBe(401);
    const token = cookie.split('=')[1];
    expect((await inject('GET', '/api/v1/users/me', { authorization: `Bearer ${token}` })).statusCode).toBe(401);
  });

  it('refuses non-admins, wrong passwords, and admins demoted after signing in', async () => {
    const user = await createUser(api);
    const refused = await signIn(user.email, user.password);
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['set-cookie']).toBeUndefined();
    expect(refused.body).toContain('platform administrators only');

    const wrong = await signIn(admin.email, 'not the password at all');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(wrong.body).toContain('Email or password is wrong');

    const other = await createUser(api, { role: 'admin' });
    const cookie = await cookieOf(other);
    await api.app.get(UserService).update(other.id, { role: 'user' }, { userId: admin.id, role: 'admin' });
    const call = await inject('GET', `${BASE}/api/queues`, { cookie });
    expect(call.statusCode).toBe(403);
    expect(call.json()).toMatchObject({ code: 'FORBIDDEN' });
    expect((await inject('GET', BASE, { cookie })).statusCode).toBe(403);
  });

  it('accepts changes only from its own origin (CSRF), sign-in included', async () => {
    const cookie = await cookieOf(admin);
    const queue = queues.get(QueueName.Maintenance);
    const job = await queue.add(JobName.MaintenancePurge, {} as never, { delay: 3_600_000 });
    const promote = `${BASE}/api/queues/${QueueName.Maintenance}/${job.id}/promote`;

    const foreign: Array<Record<string, string>> = [
      { origin: 'http://evil.test' },
      { origin: 'null' },
      {},
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of foreign) {
      const res = await inject('PUT', promote, { cookie, ...headers });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await (await queue.getJob(job.id as string))?.getState()).toBe('delayed');
    expect((await signIn(admin.email, admin.password, { origin: 'http://evil.test' })).statusCode).toBe(403);

    // The dashboard's own page: its Origin (or, without one, Sec-Fetch-Site: same-origin).
    expect((await inject('PUT', promote, { cookie, origin: ORIGIN })).statusCode).toBe(204);
    expect(await (await queue.getJob(job.id as string))?.getState()).not.toBe('delayed');
    await queue.remove(job.id as string).catch(() => undefined);
    const job2 = await queue.add(JobName.MaintenancePurge, {} as never, { delay: 3_600_000 });
    const promote2 = `${BASE}/api/queues/${QueueName.Maintenance}/${job2.id}/promote`;
    expect((await inject('PUT', promote2, { cookie, 'sec-fetch-site': 'same-origin' })).statusCode).toBe(204);
    await queue.remove(job2.id as string).catch(() => undefined);
  });

  it('signing out, or revoking the sessions, ends the cookie', async () => {
    const cookie = await cookieOf(admin);
    const out = await inject('POST', `${BASE}/logout`, { cookie, origin: ORIGIN });
    expect(out.statusCode).toBe(303);
    expect(String(out.headers['set-cookie'])).toMatch(/^labwire_dashboard=; .*Max-Age=0/);
    // the same cookie, replayed: its session is over
    expect((await inject('GET', `${BASE}/api/queues`, { cookie })).statusCode).toBe(401);

    const again = await cookieOf(admin);
    expect((await inject('GET', `${BASE}/api/queues`, { cookie: again })).statusCode).toBe(200);
    await api.app.get(SessionRepository).revokeUserSessions(admin.id, 'test: all sessions ended');
    expect((await inject('GET', `${BASE}/api/queues`, { cookie: again })).statusCode).toBe(401);
  });

  it('is not served with QUEUE_DASHBOARD=false', async () => {
    const off = await startTestApi({ QUEUE_DASHBOARD: 'false' }, { databaseUrl: api.dbUrl });
    try {
      const res = await off.app.inject({ method: 'GET', url: `${BASE}/login` });
      expect(res.statusCode).toBe(404);
    } finally {
      await off.close();
    }
  });
});
