import { DataSource } from 'typeorm';
import { createUser, TEST_PASSWORD, TestUser } from '../../support/test-app';
import { MailTestStack, startMailTestStack } from '../../support/mail-test-stack';
import { startDeadSmtpServer, tokenFromLink } from '../../support/smtp-test-server';

const PASSWORD = 'a long enough passphrase';

function register(stack: MailTestStack, email: string, password = PASSWORD) {
  return stack.api.request('POST', '/api/v1/auth/register', { body: { email, password, fullName: 'New Person' } });
}

function login(stack: MailTestStack, email: string, password = PASSWORD) {
  return stack.api.request('POST', '/api/v1/auth/login', { body: { email, password } });
}

function verify(stack: MailTestStack, token: string) {
  return stack.api.request('POST', '/api/v1/auth/verify-email', { body: { token } });
}

describe('USERS_APPROVAL_FLOW=admin', () => {
  let stack: MailTestStack;
  let admin: TestUser;

  beforeAll(async () => {
    stack = await startMailTestStack({ USERS_OPEN_REGISTRATION: 'true', USERS_APPROVAL_FLOW: 'admin' });
    admin = await createUser(stack.api, { role: 'admin' });
  });
  afterAll(() => stack?.close());

  it('mails the administrators, who approve; the user is mailed and signs in', async () => {
    const reg = await register(stack, 'adminflow@lab.test');
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ email: 'adminflow@lab.test', status: 'pending', approvedAt: null });

    const notice = await stack.smtp.waitFor(admin.email, { subject: /waits for approval/ });
    expect(notice.text).toContain('adminflow@lab.test');
    expect(notice.text).toContain('npm run cli -- user:approve --email adminflow@lab.test');
    // every link a mail holds is served: here the API reference
    expect(notice.links).toEqual(['https://lab.test/docs']);
    const docs = await stack.api.request('GET', '/docs');
    expect(docs.status).toBe(200);
    expect(String(docs.headers['content-type'])).toContain('text/html');
    expect((await login(stack, 'adminflow@lab.test')).body.code).toBe('ACCOUNT_PENDING');

    const approved = await stack.api.request('POST', `/api/v1/users/${reg.body.id}/approve`, { token: admin.token });
    expect(approved.status).toBe(201);
    expect(approved.body.status).toBe('active');
    const mail = await stack.smtp.waitFor('adminflow@lab.test', { subject: /is active/ });
    expect(mail.links).toEqual(['https://lab.test/docs']);
    expect((await login(stack, 'adminflow@lab.test')).status).toBe(200);

    // approving again changes nothing and mails nothing more
    await stack.api.request('POST', `/api/v1/users/${reg.body.id}/approve`, { token: admin.token });
    expect((await register(stack, 'adminflow@lab.test')).body.code).toBe('EMAIL_TAKEN');
  });
});

describe('USERS_APPROVAL_FLOW=email', () => {
  let stack: MailTestStack;

  beforeAll(async () => {
    stack = await startMailTestStack({ USERS_OPEN_REGISTRATION: 'true', USERS_APPROVAL_FLOW: 'email' });
  });
  afterAll(() => stack?.close());

  it('activates the account when its owner follows the mailed link; the link works once', async () => {
    const reg = await register(stack, 'emailflow@lab.test');
    expect(reg.status).toBe(202);
    expect(reg.body).toMatchObject({ email: 'emailflow@lab.test', status: 'pending' });
    expect(reg.body.id).toBeUndefined();

    const pending = await login(stack, 'emailflow@lab.test');
    expect(pending.status).toBe(403);
    expect(pending.body.detail).toMatch(/confirm/i);

    const mail = await stack.smtp.waitFor('emailflow@lab.test', { subject: /Confirm your email/ });
    const link = mail.links.find((l) => l.includes('/account/verify-email'))!;
    expect(link.startsWith('https://lab.test/account/verify-email?token=')).toBe(true);
    const token = tokenFromLink(mail, '/account/verify-email');

    const verified = await verify(stack, token);
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ email: 'emailflow@lab.test', status: 'active' });
    expect((await login(stack, 'emailflow@lab.test')).status).toBe(200);

    const reused = await verify(stack, token);
    expect(reused.status).toBe(400);
    expect(reused.body.code).toBe('EMAIL_TOKEN_INVALID');
  });

  it('refuses tampered and expired tokens, and a resent link replaces the old one', async () => {
    await register(stack, 'expiry@lab.test');
    const first = await stack.smtp.waitFor('expiry@lab.test');
    const token = tokenFromLink(first, '/account/verify-email');

    const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    expect((await verify(stack, tampered)).body.code).toBe('EMAIL_TOKEN_INVALID');

    // the stored row holds the hash only
    const rows: Array<{ token_hash: string }> = await stack.api.app
      .get(DataSource)
      .query(`SELECT token_hash FROM account_tokens WHERE email = 'expiry@lab.test'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).not.toContain(token);

    await stack.api.app
      .get(DataSource)
      .query(`UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE email = 'expiry@lab.test'`);
    const expired = await verify(stack, token);
    expect(expired.status).toBe(400);
    expect(expired.body.code).toBe('EMAIL_TOKEN_INVALID');

    const resend = await stack.api.request('POST', '/api/v1/auth/verify-email/resend', {
      body: { email: 'expiry@lab.test' },
    });
    expect(resend.status).toBe(202);
    const second = await stack.smtp.waitFor('expiry@lab.test', { after: 1 });
    const fresh = tokenFromLink(second, '/account/verify-email');
    expect(fresh).not.toBe(token);
    expect((await verify(stack, fresh)).body.status).toBe('active');
  });

  it('answers a taken address like a new one and mails its owner; the account is unchanged', async () => {
    const owner = await createUser(stack.api, { email: 'taken@lab.test' });
    const fresh = await register(stack, 'nobody-has-this@lab.test');
    const taken = await register(stack, 'taken@lab.test', 'another long passphrase');
    expect(taken.status).toBe(fresh.status);
    expect(Object.keys(taken.body).sort()).toEqual(Object.keys(fresh.body).sort());
    expect(taken.body.message).toBe(fresh.body.message);

    const mail = await stack.smtp.waitFor(owner.email, { subject: /tried to register/ });
    expect(mail.links).toContain('https://lab.test/account/forgot-password');
    expect((await login(stack, 'taken@lab.test', TEST_PASSWORD)).status).toBe(200);
    expect((await login(stack, 'taken@lab.test', 'another long passphrase')).status).toBe(401);

    // resending for an unknown or an active address answers the same and mails nothing
    for (const email of ['unknown-resend@lab.test', 'taken@lab.test']) {
      const res = await stack.api.request('POST', '/api/v1/auth/verify-email/resend', { body: { email } });
      expect(res.status).toBe(202);
    }
  });
});

describe('USERS_APPROVAL_FLOW=email+admin', () => {
  let stack: MailTestStack;
  let admin: TestUser;

  beforeAll(async () => {
    stack = await startMailTestStack({ USERS_OPEN_REGISTRATION: 'true', USERS_APPROVAL_FLOW: 'email+admin' });
    admin = await createUser(stack.api, { role: 'admin' });
  });
  afterAll(() => stack?.close());

  it('needs both: the verified account waits for an administrator, who is mailed then', async () => {
    expect((await register(stack, 'both@lab.test')).status).toBe(202);
    const mail = await stack.smtp.waitFor('both@lab.test', { subject: /Confirm/ });
    expect(stack.smtp.mailsTo(admin.email)).toHaveLength(0);

    const verified = await verify(stack, tokenFromLink(mail, '/account/verify-email'));
    expect(verified.body).toEqual({ email: 'both@lab.test', status: 'pending' });
    const pending = await login(stack, 'both@lab.test');
    expect(pending.body.code).toBe('ACCOUNT_PENDING');
    expect(pending.body.detail).toMatch(/administrator/);

    await stack.smtp.waitFor(admin.email, { subject: /waits for approval/ });
    const users = await stack.api.request('GET', '/api/v1/users', { token: admin.token, query: { status: 'pending' } });
    const id = users.body.items.find((u: { email: string }) => u.email === 'both@lab.test').id;
    const approved = await stack.api.request('POST', `/api/v1/users/${id}/approve`, { token: admin.token });
    expect(approved.body.status).toBe('active');
    await stack.smtp.waitFor('both@lab.test', { subject: /is active/ });
    expect((await login(stack, 'both@lab.test')).status).toBe(200);
  });

  it('an approval before the verification keeps the account pending until the link is followed', async () => {
    await register(stack, 'approved-first@lab.test');
    const mail = await stack.smtp.waitFor('approved-first@lab.test', { subject: /Confirm/ });
    const users = await stack.api.request('GET', '/api/v1/users', {
      token: admin.token,
      query: { q: 'approved-first' },
    });
    const id = users.body.items[0].id;
    const approved = await stack.api.request('POST', `/api/v1/users/${id}/approve`, { token: admin.token });
    expect(approved.body).toMatchObject({ status: 'pending', emailVerifiedAt: null });
    expect(approved.body.approvedAt).not.toBeNull();

    const verified = await verify(stack, tokenFromLink(mail, '/account/verify-email'));
    expect(verified.body.status).toBe('active');
    expect((await login(stack, 'approved-first@lab.test')).status).toBe(200);
  });
});

describe('a dead SMTP server', () => {
  it('does not slow POST /auth/register: the request only queues the mail', async () => {
    const dead = await startDeadSmtpServer();
    const stack = await startMailTestStack({
      USERS_OPEN_REGISTRATION: 'true',
      USERS_APPROVAL_FLOW: 'email',
      SMTP_URL: dead.url,
    });
    try {
      const started = Date.now();
      const res = await register(stack, 'slow-smtp@lab.test');
      const elapsed = Date.now() - started;
      expect(res.status).toBe(202);
      // Waiting for this server would take at least its greeting timeout (10 s) or forever.
      expect(elapsed).toBeLessThan(8_000);
      // and the worker did try to deliver it
      const deadline = Date.now() + 30_000;
      while (dead.connections() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(dead.connections()).toBeGreaterThanOrEqual(1);
    } finally {
      await stack.close();
      await dead.close();
    }
  });
});
