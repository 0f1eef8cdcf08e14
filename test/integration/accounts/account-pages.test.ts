import type { LightMyRequestResponse } from 'fastify';
import { DataSource } from 'typeorm';
import { createUser, TEST_PASSWORD } from '../../support/test-app';
import { MailTestStack, startMailTestStack } from '../../support/mail-test-stack';
import { ReceivedMail, tokenFromLink } from '../../support/smtp-test-server';
import { createWorkspace, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/** PUBLIC_URL of the mail test stack: the links in mails start with it, and the pages are served for its host. */
const PUBLIC = 'https://lab.test';
const HOST = 'lab.test';
const NEW_PASSWORD = 'a page-made passphrase';

/**
 * The pages behind the links of account mails, followed from real mails (SMTP server in this process,
 * worker sending): GET the link → the form carries the token hidden → POST the form as the browser would
 * → the effect is in the database; the link works once; foreign origins are refused.
 */
describe('account pages', () => {
  let stack: MailTestStack;
  let crew: WorkspaceCrew;
  let db: DataSource;

  beforeAll(async () => {
    stack = await startMailTestStack({
      USERS_OPEN_REGISTRATION: 'true',
      USERS_APPROVAL_FLOW: 'email',
      LOGIN_IP_LIMIT_PER_MINUTE: '1000',
    });
    crew = await createWorkspaceCrew(stack.api, 'Paged <lab> & "co"');
    db = stack.api.app.get(DataSource);
  });
  afterAll(() => stack?.close());

  const inject = (method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}, payload?: string) =>
    stack.api.app.inject({ method, url, headers: { host: HOST, ...headers }, payload });

  /** Opens the link of `mail` that leads to `path`, as a browser would (host of PUBLIC_URL). */
  function follow(mail: ReceivedMail, path: string): Promise<LightMyRequestResponse> {
    const link = mail.links.find((l) => new URL(l).pathname === path);
    if (!link) throw new Error(`no link to ${path} in: ${mail.links.join(', ')}`);
    const url = new URL(link);
    expect(url.origin).toBe(PUBLIC);
    return inject('GET', url.pathname + url.search);
  }

  /** Posts a form the way a browser does from the page itself. */
  const submit = (path: string, fields: Record<string, string>, headers: Record<string, string> = { origin: PUBLIC }) =>
    inject(
      'POST',
      path,
      { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      new URLSearchParams(fields).toString(),
    );

  function hiddenToken(html: string): string {
    const m = /<input type="hidden" name="token" value="([^"]*)">/.exec(html);
    if (!m) throw new Error(`no hidden token field in:\n${html}`);
    return m[1];
  }

  function expectPageHeaders(res: LightMyRequestResponse) {
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('script-src');
    expect(res.body).not.toContain('<script');
  }

  const userRow = async (email: string) =>
    (
      await db.query(
        `SELECT id, status, email_verified_at AS "verifiedAt", password_hash AS "hash" FROM users WHERE email = $1`,
        [email],
      )
    )[0] as { id: string; status: string; verifiedAt: Date | null; hash: string } | undefined;

  it('verify-email: the mailed link shows a form; posting it activates the account, once', async () => {
    const email = 'paged-verify@lab.test';
    const reg = await stack.api.request('POST', '/api/v1/auth/register', {
      body: { email, password: NEW_PASSWORD, fullName: 'Page Person' },
    });
    expect(reg.status).toBe(202);
    const mail = await stack.smtp.waitFor(email, { subject: /Confirm/ });

    // Following the link (as a mail scanner would) spends nothing.
    const page = await follow(mail, '/account/verify-email');
    expect(page.statusCode).toBe(200);
    expectPageHeaders(page);
    expect(hiddenToken(page.body)).toBe(tokenFromLink(mail, '/account/verify-email'));
    expect(page.body).toContain('<form method="post" action="verify-email">');
    expect(page.body).toContain('<strong>paged-verify@lab.test</strong>');
    expect((await userRow(email))?.status).toBe('pending');

    const done = await submit('/account/verify-email', { token: hiddenToken(page.body) });
    expect(done.statusCode).toBe(200);
    expectPageHeaders(done);
    expect(done.body).toContain('paged-verify@lab.test is confirmed');
    expect(done.body).toContain('Your account is active');
    const after = await userRow(email);
    expect(after).toMatchObject({ status: 'active', verifiedAt: expect.any(Date) });
    const signIn = await stack.api.request('POST', '/api/v1/auth/login', { body: { email, password: NEW_PASSWORD } });
    expect(signIn.status).toBe(200);

    const again = await submit('/account/verify-email', { token: hiddenToken(page.body) });
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('invalid, was used already or has expired');
    expect(again.body).toContain('action="resend-verification"');
    expect(await userRow(email)).toEqual(after);
    // the spent link now opens the error page, not the form
    const reopened = await follow(mail, '/account/verify-email');
    expect(reopened.statusCode).toBe(400);
    expect(reopened.body).toContain('invalid, was used already or has expired');
    expect(reopened.body).not.toContain('name="token"');
  });

  it('verify-email: the error page mails a new link (same answer for unknown addresses)', async () => {
    const email = 'paged-resend@lab.test';
    await stack.api.request('POST', '/api/v1/auth/register', {
      body: { email, password: NEW_PASSWORD, fullName: 'Resend Person' },
    });
    await stack.smtp.waitFor(email, { subject: /Confirm/ });
    const known = await submit('/account/resend-verification', { email });
    const unknown = await submit('/account/resend-verification', { email: 'nobody-paged@lab.test' });
    expect(known.statusCode).toBe(200);
    expect(unknown.statusCode).toBe(200);
    expect(unknown.body).toBe(known.body);
    const second = await stack.smtp.waitFor(email, { subject: /Confirm/, after: 1 });
    const page = await follow(second, '/account/verify-email');
    expect((await submit('/account/verify-email', { token: hiddenToken(page.body) })).statusCode).toBe(200);
    expect((await userRow(email))?.status).toBe('active');
    const bad = await submit('/account/resend-verification', { email: 'not an address' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('email must be an email');
  });

  it('forgot and reset password: the page asks for the mail, the link sets the password and ends every session, once', async () => {
    const user = await createUser(stack.api);
    const second = await stack.api.request('POST', '/api/v1/auth/login', {
      body: { email: user.email, password: TEST_PASSWORD },
    });
    expect(second.status).toBe(200);

    const forgotPage = await inject('GET', '/account/forgot-password');
    expect(forgotPage.statusCode).toBe(200);
    expectPageHeaders(forgotPage);
    expect(forgotPage.body).toContain('action="forgot-password"');
    const asked = await submit('/account/forgot-password', { email: user.email });
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('a mail is on its way');
    const mail = await stack.smtp.waitFor(user.email, { subject: /Reset your Labwire password/ });

    const page = await follow(mail, '/account/reset-password');
    expect(page.statusCode).toBe(200);
    expectPageHeaders(page);
    const token = hiddenToken(page.body);
    expect(token).toBe(tokenFromLink(mail, '/account/reset-password'));
    expect(page.body).toContain(`For the account <strong>${user.email}</strong>`);
    const before = await userRow(user.email);

    // Refused inputs show the form again with the token, and leave the link usable.
    const differ = await submit('/account/reset-password', {
      token,
      password: NEW_PASSWORD,
      confirm: 'something else',
    });
    expect(differ.statusCode).toBe(400);
    expect(differ.body).toContain('The two passwords differ');
    expect(hiddenToken(differ.body)).toBe(token);
    const weak = await submit('/account/reset-password', { token, password: 'short', confirm: 'short' });
    expect(weak.statusCode).toBe(400);
    expect(weak.body).toContain('Password rejected: must be at least 12 characters');
    expect(hiddenToken(weak.body)).toBe(token);
    expect((await userRow(user.email))?.hash).toBe(before?.hash);

    const done = await submit('/account/reset-password', { token, password: NEW_PASSWORD, confirm: NEW_PASSWORD });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('2 session(s) ended');
    const after = await userRow(user.email);
    expect(after?.hash).not.toBe(before?.hash);
    const open = await db.query(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`, [
      user.id,
    ]);
    expect(open[0].n).toBe(0);
    expect((await stack.api.request('GET', '/api/v1/users/me', { token: user.token })).status).toBe(401);
    const login = (password: string) =>
      stack.api.request('POST', '/api/v1/auth/login', { body: { email: user.email, password } });
    expect((await login(TEST_PASSWORD)).status).toBe(401);
    expect((await login(NEW_PASSWORD)).status).toBe(200);

    const again = await submit('/account/reset-password', {
      token,
      password: 'yet another passphrase',
      confirm: 'yet another passphrase',
    });
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('This password reset link is invalid, was used already or has expired');
    expect(again.body).toContain('href="forgot-password"');
    expect((await userRow(user.email))?.hash).toBe(after?.hash);
    expect((await follow(mail, '/account/reset-password')).statusCode).toBe(400);
  });

  it('accept-invitation: the link registers a new person into the workspace with the invited role, once', async () => {
    const email = 'paged-invitee@lab.test';
    const invited = await stack.api.request('POST', `/api/v1/workspaces/${crew.workspaceId}/invitations`, {
      token: crew.owner.token,
      body: { email, role: 'editor' },
    });
    expect(invited.status).toBe(201);
    const mail = await stack.smtp.waitFor(email, { subject: /invited/ });

    const page = await follow(mail, '/account/accept-invitation');
    expect(page.statusCode).toBe(200);
    expectPageHeaders(page);
    const token = hiddenToken(page.body);
    expect(token).toBe(tokenFromLink(mail, '/account/accept-invitation'));
    // what the invitation is, its workspace's name escaped
    expect(page.body).toContain('to the workspace <strong>Paged &lt;lab&gt; &amp; &quot;co&quot;</strong>');
    expect(page.body).toContain('<strong>editor</strong>');
    expect(page.body).toContain('<strong>paged-invitee@lab.test</strong>');
    expect(page.body).not.toContain('<lab>');

    const name = '<b>Ada</b> & "Co"';
    const weak = await submit('/account/accept-invitation', {
      token,
      fullName: name,
      password: 'short',
      confirm: 'short',
    });
    expect(weak.statusCode).toBe(400);
    // what was typed comes back escaped
    expect(weak.body).toContain('value="&lt;b&gt;Ada&lt;/b&gt; &amp; &quot;Co&quot;"');
    expect(weak.body).not.toContain('<b>Ada</b>');

    const fields = { token, fullName: name, password: NEW_PASSWORD, confirm: NEW_PASSWORD };
    const done = await submit('/account/accept-invitation', fields);
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Your account paged-invitee@lab.test is created');
    const user = await userRow(email);
    expect(user).toMatchObject({ status: 'active', verifiedAt: expect.any(Date) });
    const members = await db.query(`SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [
      crew.workspaceId,
      user?.id,
    ]);
    expect(members).toEqual([{ role: 'editor' }]);
    const state = await db.query(`SELECT status FROM workspace_invitations WHERE id = $1`, [invited.body.id]);
    expect(state).toEqual([{ status: 'accepted' }]);

    const again = await submit('/account/accept-invitation', fields);
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('This invitation link is invalid');
    expect(await db.query(`SELECT count(*)::int AS n FROM users WHERE email = $1`, [email])).toEqual([{ n: 1 }]);
  });

  it('invitations: an invitee with an account signs in on the page and accepts or declines each invitation', async () => {
    const invitee = await createUser(stack.api);
    const outsider = await createUser(stack.api);
    const otherWs = await createWorkspace(stack.api, crew.owner, 'Second lab');
    const invite = async (workspaceId: string, email: string, role: string) => {
      const res = await stack.api.request('POST', `/api/v1/workspaces/${workspaceId}/invitations`, {
        token: crew.owner.token,
        body: { email, role },
      });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const first = await invite(crew.workspaceId, invitee.email, 'viewer');
    const second = await invite(otherWs, invitee.email, 'editor');
    const foreign = await invite(otherWs, outsider.email, 'viewer');
    const mail = await stack.smtp.waitFor(invitee.email, { subject: /invited/ });

    const page = await follow(mail, '/account/invitations');
    expect(page.statusCode).toBe(200);
    expectPageHeaders(page);
    expect(page.body).toContain('<form method="post" action="invitations">');
    // how to do it with the API instead, with PUBLIC_URL filled in
    expect(page.body).toContain(`${PUBLIC}/api/v1/users/me/invitations/INVITATION_ID/accept`);

    const wrong = await submit('/account/invitations', { email: invitee.email, password: 'not the password at all' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('Email or password is wrong');
    expect(wrong.body).not.toContain('name="session"');

    const signedIn = await submit('/account/invitations', { email: invitee.email, password: TEST_PASSWORD });
    expect(signedIn.statusCode).toBe(200);
    expectPageHeaders(signedIn);
    expect(signedIn.body).toContain(
      '<strong>Paged &lt;lab&gt; &amp; &quot;co&quot;</strong> as <strong>viewer</strong>',
    );
    expect(signedIn.body).toContain('<strong>Second lab</strong> as <strong>editor</strong>');
    const session = /<input type="hidden" name="session" value="([^"]+)">/.exec(signedIn.body)?.[1] as string;
    expect(session).toBeDefined();
    // the page token is no API credential
    expect((await stack.api.request('GET', '/api/v1/users/me', { token: session })).status).toBe(401);
    const answer = (invitationId: string, choice: string, token = session) =>
      submit('/account/answer-invitation', { session: token, invitationId, answer: choice });

    const accepted = await answer(first, 'accept');
    expect(accepted.statusCode).toBe(200);
    expect(accepted.body).toContain(
      'You joined the workspace &quot;Paged &lt;lab&gt; &amp; &quot;co&quot;&quot; as viewer.',
    );
    const role = (workspaceId: string, userId: string) =>
      db.query(`SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [workspaceId, userId]);
    expect(await role(crew.workspaceId, invitee.id)).toEqual([{ role: 'viewer' }]);
    const status = async (id: string) =>
      (await db.query(`SELECT status FROM workspace_invitations WHERE id = $1`, [id]))[0].status;
    expect(await status(first)).toBe('accepted');
    expect(accepted.body).not.toContain(`value="${first}"`);
    expect(accepted.body).toContain(`value="${second}"`);

    // answered already, someone else's, not an id, not an answer: refused, nothing changes
    const twice = await answer(first, 'decline');
    expect(twice.statusCode).toBe(409);
    expect(twice.body).toContain('This invitation is accepted');
    const others = await answer(foreign, 'accept');
    expect(others.statusCode).toBe(404);
    expect(await status(foreign)).toBe('pending');
    expect(await role(otherWs, invitee.id)).toEqual([]);
    expect((await answer('not-an-id', 'accept')).statusCode).toBe(404);
    expect((await answer(second, 'maybe')).statusCode).toBe(400);
    expect(await status(second)).toBe('pending');

    // the last one answered: the page's session ends with it
    const declined = await answer(second, 'decline');
    expect(declined.statusCode).toBe(200);
    expect(declined.body).toContain(
      'You declined the invitation to &quot;Second lab&quot;. No open invitations are left.',
    );
    expect(await status(second)).toBe('declined');
    expect(await role(otherWs, invitee.id)).toEqual([]);
    const replay = await answer(second, 'accept');
    expect(replay.statusCode).toBe(401);
    expect(replay.body).toContain('Your sign-in on this page has ended');
    expect(await status(second)).toBe('declined');
    // the invitee's own sessions elsewhere are untouched
    expect((await stack.api.request('GET', '/api/v1/users/me', { token: invitee.token })).status).toBe(200);
  });

  it('invitations: signing out of the page ends its session; a forged page token is nobody', async () => {
    const invitee = await createUser(stack.api);
    const id = (
      await stack.api.request('POST', `/api/v1/workspaces/${crew.workspaceId}/invitations`, {
        token: crew.owner.token,
        body: { email: invitee.email, role: 'viewer' },
      })
    ).body.id as string;
    const signedIn = await submit('/account/invitations', { email: invitee.email, password: TEST_PASSWORD });
    const session = /name="session" value="([^"]+)"/.exec(signedIn.body)?.[1] as string;
    const forged = await submit('/account/answer-invitation', {
      session: `${session.slice(0, -4)}AAAA`,
      invitationId: id,
      answer: 'accept',
    });
    expect(forged.statusCode).toBe(401);
    // an API access token is not a page token either
    expect(
      (await submit('/account/answer-invitation', { session: invitee.token, invitationId: id, answer: 'accept' }))
        .statusCode,
    ).toBe(401);
    const out = await submit('/account/sign-out', { session });
    expect(out.statusCode).toBe(200);
    expect(out.body).toContain('You are signed out of this page');
    const after = await submit('/account/answer-invitation', { session, invitationId: id, answer: 'accept' });
    expect(after.statusCode).toBe(401);
    const state = await db.query(`SELECT status FROM workspace_invitations WHERE id = $1`, [id]);
    expect(state).toEqual([{ status: 'pending' }]);
    expect(
      (
        await submit(
          '/account/invitations',
          { email: invitee.email, password: TEST_PASSWORD },
          { origin: 'https://evil.test' },
        )
      ).statusCode,
    ).toBe(403);
  });

  it('refuses posts from another origin (CSRF) and changes nothing; the same-origin browser forms pass', async () => {
    const user = await createUser(stack.api);
    await submit('/account/forgot-password', { email: user.email });
    const token = tokenFromLink(await stack.smtp.waitFor(user.email, { subject: /Reset/ }), '/account/reset-password');
    const fields = { token, password: NEW_PASSWORD, confirm: NEW_PASSWORD };
    const before = await userRow(user.email);
    const foreign: Array<Record<string, string>> = [
      { origin: 'https://evil.test' },
      { origin: 'https://lab.test.evil.test' },
      { origin: 'null' },
      {},
      { 'sec-fetch-site': 'cross-site' },
      { origin: 'null', 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of foreign) {
      const res = await submit('/account/reset-password', fields, headers);
      expect({ headers, status: res.statusCode }).toEqual({ headers, status: 403 });
      expect(res.body).toContain('can only be sent from Labwire&#39;s own page');
      expectPageHeaders(res);
    }
    expect(
      (await submit('/account/forgot-password', { email: user.email }, { origin: 'https://evil.test' })).statusCode,
    ).toBe(403);
    expect(await userRow(user.email)).toEqual(before);

    // Under Referrer-Policy: no-referrer a browser posts the page's form with `Origin: null` and
    // `Sec-Fetch-Site: same-origin`.
    const ok = await submit('/account/reset-password', fields, { origin: 'null', 'sec-fetch-site': 'same-origin' });
    expect(ok.statusCode).toBe(200);
    expect((await userRow(user.email))?.hash).not.toBe(before?.hash);
  });

  it('answers a missing, cut-off or unknown token with a clear error page and a 4xx', async () => {
    for (const path of ['/account/verify-email', '/account/reset-password', '/account/accept-invitation']) {
      for (const query of ['', '?token=', '?token=short', '?token=aaaaaaaaaaaaaaaaaaaa&token=bbbbbbbbbbbbbbbbbbbb']) {
        const res = await inject('GET', path + query);
        expect({ url: path + query, status: res.statusCode }).toEqual({ url: path + query, status: 400 });
        expect(res.body).toContain('its token is missing or cut off');
        expect(res.body).not.toContain('<form');
        expectPageHeaders(res);
      }
    }
    const unknown = 'x'.repeat(43);
    const unusable: Array<[string, RegExp]> = [
      ['/account/verify-email', /confirmation link is invalid/],
      ['/account/reset-password', /reset link is invalid/],
      ['/account/accept-invitation', /invitation link is invalid/],
    ];
    for (const [path, message] of unusable) {
      const res = await inject('GET', `${path}?token=${unknown}`);
      expect({ path, status: res.statusCode }).toEqual({ path, status: 400 });
      expect(res.body).toMatch(message);
      expect(res.body).not.toContain('name="token"');
      expectPageHeaders(res);
    }
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['/account/verify-email', { token: unknown }, /confirmation link is invalid/],
      ['/account/verify-email', {}, /confirmation link is invalid/],
      [
        '/account/reset-password',
        { token: unknown, password: NEW_PASSWORD, confirm: NEW_PASSWORD },
        /reset link is invalid/,
      ],
      ['/account/reset-password', { password: NEW_PASSWORD, confirm: NEW_PASSWORD }, /reset link is invalid/],
      [
        '/account/accept-invitation',
        { token: unknown, fullName: 'X', password: NEW_PASSWORD, confirm: NEW_PASSWORD },
        /invitation link is invalid/,
      ],
      ['/account/accept-invitation', { fullName: 'X' }, /invitation link is cut off/],
    ];
    for (const [path, fields, message] of cases) {
      const res = await submit(path, fields);
      expect({ path, fields, status: res.statusCode }).toEqual({ path, fields, status: 400 });
      expect(res.body).toMatch(message);
      expectPageHeaders(res);
    }
    // a value PostgreSQL cannot store is a 400 page, not a failure
    const nul = await submit('/account/forgot-password', { email: 'a\u0000@lab.test' });
    expect(nul.statusCode).toBe(400);
  });

  it('keeps the pages out of the OpenAPI document', async () => {
    const doc = await stack.api.request('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths).filter((p) => p.startsWith('/account'))).toEqual([]);
    // the JSON routes the pages share their services with are still there
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/verify-email',
        '/api/v1/auth/password/reset',
        '/api/v1/auth/register/invitation',
      ]),
    );
  });
});

describe('account pages share the rate limits of the JSON routes', () => {
  it('forgot-password: the page is refused with 429 and Retry-After once the JSON route used up the address limit', async () => {
    const stack = await startMailTestStack();
    try {
      for (let i = 0; i < 20; i++) {
        const res = await stack.api.request('POST', '/api/v1/auth/password/forgot', {
          body: { email: `probe${i}@lab.test` },
        });
        expect(res.status).toBe(202);
      }
      const page = await stack.api.app.inject({
        method: 'POST',
        url: '/account/forgot-password',
        headers: { host: HOST, origin: PUBLIC, 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'email=probe-page%40lab.test',
      });
      expect(page.statusCode).toBe(429);
      expect(Number(page.headers['retry-after'])).toBeGreaterThan(0);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('Too many requests from this address');
      // one limit per client address for every request that sends mail, page or JSON
      const json = await stack.api.request('POST', '/api/v1/auth/verify-email/resend', {
        body: { email: 'x@lab.test' },
      });
      expect(json.status).toBe(429);
    } finally {
      await stack.close();
    }
  });
});
