import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'puppeteer-core';
import { describeInChromium, launchChromium } from '../../support/chromium';
import { createUser, TEST_PASSWORD } from '../../support/test-app';
import { MailTestStack, startMailTestStack } from '../../support/mail-test-stack';

/** A browser's page loads and renders on a loaded 2-core machine: liveness bounds, not expectations. */
const BROWSER_TEST_MS = 120_000;
const NEW_PASSWORD = 'a browser-typed passphrase';
/** The page's DOM, as the functions puppeteer runs in the browser see it (the tests compile without lib.dom). */
declare const document: {
  body: { innerText: string; appendChild(node: unknown): void };
  createElement(tag: 'form' | 'input'): {
    method: string;
    action: string;
    name: string;
    value: string;
    appendChild(node: unknown): void;
    submit(): void;
  };
};
declare function getComputedStyle(element: unknown): { maxWidth: string };

/**
 * The password reset link of a real mail, opened and submitted in headless Chromium: the page's own
 * headers (no-referrer makes the browser post `Origin: null`) must still pass the CSRF check, its
 * stylesheet must pass its CSP, and a form posted from another origin must not.
 */
describeInChromium('account pages browser test')('account pages in headless Chromium', () => {
  let stack: MailTestStack;
  let browser: Browser;
  let origin: string;
  /** another site: a blank page of its own on another port */
  let foreign: Server;
  let foreignOrigin: string;

  beforeAll(async () => {
    foreign = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><body>'),
    );
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    foreignOrigin = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
    stack = await startMailTestStack();
    await stack.api.app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://localhost:${new URL(await stack.api.app.getUrl()).port}`;
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await new Promise((resolve) => foreign?.close(resolve));
  });

  async function freshPage(): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content.Security.Policy/i.test(m.text())) problems.push(m.text());
    });
    return { page, problems };
  }
  /** The mailed reset link, on the address where this test's api listens (what PUBLIC_URL would be). */
  async function resetLink(email: string): Promise<string> {
    await stack.api.request('POST', '/api/v1/auth/password/forgot', { body: { email } });
    const mail = await stack.smtp.waitFor(email, { subject: /Reset/, after: stack.smtp.mailsTo(email).length });
    const link = new URL(mail.links.find((l) => new URL(l).pathname === '/account/reset-password') as string);
    return `${origin}${link.pathname}${link.search}`;
  }
  const text = (page: Page) => page.evaluate(() => document.body.innerText);
  const login = (email: string, password: string) =>
    stack.api.request('POST', '/api/v1/auth/login', { body: { email, password } });

  it(
    'a person follows the link, types the new password twice and is told it is set',
    async () => {
      const user = await createUser(stack.api);
      const { page, problems } = await freshPage();
      await page.goto(await resetLink(user.email));
      expect(await text(page)).toContain('Choose a new password');
      // the layout's stylesheet is allowed by the page's CSP (its hash), so it applies
      expect(await page.evaluate(() => getComputedStyle(document.body).maxWidth)).toBe('480px');
      await page.type('#password', NEW_PASSWORD);
      await page.type('#confirm', NEW_PASSWORD);
      const [response] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      expect(response?.status()).toBe(200);
      expect(new URL(page.url()).pathname).toBe('/account/reset-password');
      // the token left the address bar: the result page's address has no query
      expect(new URL(page.url()).search).toBe('');
      expect(await text(page)).toContain('Password changed');
      expect(problems).toEqual([]);
      expect((await login(user.email, TEST_PASSWORD)).status).toBe(401);
      expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);
      await page.browserContext().close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'a form posted to the page from another origin is refused and changes nothing',
    async () => {
      const user = await createUser(stack.api);
      const link = await resetLink(user.email);
      const token = new URL(link).searchParams.get('token') as string;
      const { page } = await freshPage();
      // another site builds the same form, with the token, and posts it
      await page.goto(foreignOrigin);
      const [response] = await Promise.all([
        page.waitForNavigation(),
        page.evaluate(
          (target: string, fields: Record<string, string>) => {
            const form = document.createElement('form');
            form.method = 'post';
            form.action = target;
            for (const [name, value] of Object.entries(fields)) {
              const input = document.createElement('input');
              input.name = name;
              input.value = value;
              form.appendChild(input);
            }
            document.body.appendChild(form);
            form.submit();
          },
          `${origin}/account/reset-password`,
          { token, password: NEW_PASSWORD, confirm: NEW_PASSWORD },
        ),
      ]);
      expect(response?.status()).toBe(403);
      expect(await text(page)).toContain("can only be sent from Labwire's own page");
      expect((await login(user.email, TEST_PASSWORD)).status).toBe(200);
      await page.browserContext().close();
    },
    BROWSER_TEST_MS,
  );
});
