import type { Browser, Page } from 'puppeteer-core';
import { describeInChromium, launchChromium } from '../../support/chromium';
import { JobName, QUEUE_NAMES, QueueName, QueueRegistry } from '../../../libs/queue/src';
import { deleteRedisKeys } from '../../support/spawn-app';
import { createUser, startTestApi, TestApi, TestUser } from '../../support/test-app';

const BASE = '/admin/queues/ui';
/** A browser's page loads and renders on a loaded 2-core machine: liveness bounds, not expectations. */
const BROWSER_TEST_MS = 120_000;
/** The page's DOM, as the functions puppeteer runs in the browser see it (the tests compile without lib.dom). */
declare const document: {
  body: { innerText: string; appendChild(node: unknown): void };
  cookie: string;
  createElement(tag: 'form'): { method: string; action: string; submit(): void };
};

/**
 * The queue dashboard in a real headless browser: what a platform admin sees once signed in through
 * the form (every queue, a job), and what everyone else gets.
 */
describeInChromium('queue dashboard browser test')('queue dashboard in headless Chromium', () => {
  let api: TestApi;
  let queues: QueueRegistry;
  let browser: Browser;
  let admin: TestUser;
  let user: TestUser;
  let origin: string;
  const jobId = `dashboard-browser-${Date.now()}`;

  beforeAll(async () => {
    api = await startTestApi();
    [admin, user] = await Promise.all([createUser(api, { role: 'admin' }), createUser(api)]);
    queues = QueueRegistry.open(api.config);
    // No worker runs here: the delayed job stays where the dashboard shows it.
    await queues.get(QueueName.Maintenance).add(JobName.MaintenancePurge, {} as never, { jobId, delay: 3_600_000 });
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const port = new URL(await api.app.getUrl()).port;
    // localhost: a secure context, where Chromium keeps the Secure cookie over plain HTTP
    origin = `http://localhost:${port}`;
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await queues?.close();
    await api?.close();
    if (api) await deleteRedisKeys(api.config.redis.prefix);
  });

  async function freshPage(): Promise<Page> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    return page;
  }
  async function submitLogin(page: Page, who: TestUser): Promise<void> {
    await page.goto(`${origin}${BASE}/login`);
    await page.type('#email', who.email);
    await page.type('#password', who.password);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  }
  const text = (page: Page) => page.evaluate(() => document.body.innerText);
  const callStatus = (page: Page, method: string, path: string) =>
    page.evaluate(async (m, p) => (await fetch(p, { method: m })).status, method, path);

  it(
    'signed out, it sends the browser to the sign-in form and its calls answer 401',
    async () => {
      const page = await freshPage();
      await page.goto(`${origin}${BASE}`);
      expect(new URL(page.url()).pathname).toBe(`${BASE}/login`);
      expect(await page.$('form input[type=password]')).not.toBeNull();
      expect(await callStatus(page, 'GET', `${BASE}/api/queues`)).toBe(401);
      await page.browserContext().close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'a signed-in non-admin is refused and gets no cookie',
    async () => {
      const page = await freshPage();
      await submitLogin(page, user);
      expect(await text(page)).toContain('platform administrators only');
      expect(await page.browserContext().cookies()).toEqual([]);
      expect(await callStatus(page, 'GET', `${BASE}/api/queues`)).toBe(401);
      await page.browserContext().close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'signed in as an admin, it shows every queue and a job, and its own actions pass the CSRF check',
    async () => {
      const page = await freshPage();
      await submitLogin(page, admin);
      expect(new URL(page.url()).pathname).toBe(BASE);
      const [cookie] = await page.browserContext().cookies();
      expect(cookie).toMatchObject({
        name: 'labwire_dashboard',
        path: BASE,
        httpOnly: true,
        secure: true,
        sameSite: 'Strict',
      });
      // the page's scripts cannot read it
      expect(await page.evaluate(() => document.cookie)).toBe('');

      await page.waitForFunction((names: string[]) => names.every((n) => document.body.innerText.includes(n)), {}, [
        ...QUEUE_NAMES,
      ]);
      await page.goto(`${origin}${BASE}/queue/${QueueName.Maintenance}?status=delayed`);
      await page.waitForFunction((id: string) => document.body.innerText.includes(id), {}, jobId);

      // A cross-site page cannot act with the cookie: SameSite=Strict keeps it home, the Origin check refuses.
      const evil = await page.browserContext().newPage();
      await evil.goto(`http://127.0.0.1:${new URL(origin).port}${BASE}/login`);
      await evil.evaluate((target: string) => {
        const form = document.createElement('form');
        form.method = 'post';
        form.action = target;
        document.body.appendChild(form);
        form.submit();
      }, `${origin}${BASE}/logout`);
      await evil.waitForNavigation().catch(() => undefined);
      await evil.close();
      expect(await callStatus(page, 'GET', `${BASE}/api/queues`)).toBe(200);

      // The dashboard's own call (what its Promote button sends): same origin, cookie attached.
      expect(await callStatus(page, 'PUT', `${BASE}/api/queues/${QueueName.Maintenance}/${jobId}/promote`)).toBe(204);
      expect(await (await queues.get(QueueName.Maintenance).getJob(jobId))?.getState()).not.toBe('delayed');

      // Signing out ends it: the form's POST, then the UI is out of reach.
      await page.goto(`${origin}${BASE}/logout`);
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      expect(new URL(page.url()).pathname).toBe(`${BASE}/login`);
      await page.goto(`${origin}${BASE}`);
      expect(new URL(page.url()).pathname).toBe(`${BASE}/login`);
      await page.browserContext().close();
    },
    BROWSER_TEST_MS,
  );
});
