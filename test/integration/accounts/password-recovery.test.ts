import { DataSource } from 'typeorm';
import { createUser, TEST_PASSWORD } from '../../support/test-app';
import { MailTestStack, startMailTestStack } from '../../support/mail-test-stack';
import { tokenFromLink } from '../../support/smtp-test-server';

const NEW_PASSWORD = 'a brand new passphrase';

describe('password recovery', () => {
  let stack: MailTestStack;

  beforeAll(async () => {
    stack = await startMailTestStack();
  });
  afterAll(() => stack?.close());

  const forgot = (email: string) => stack.api.request('POST', '/api/v1/auth/password/forgot', { body: { email } });
  const reset = (token: string, password: string) =>
    stack.api.request('POST', '/api/v1/auth/password/reset', { body: { token, password } });
  const login = (email: string, password: string) =>
    stack.api.request('POST', '/api/v1/auth/login', { body: { email, password } });

  it('answers the same for known and unknown addresses; only the known one gets a mail', async () => {
    const user = await createUser(stack.api);
    const known = await forgot(user.email);
    const unknown = await forgot('no-such-user@lab.test');
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    await stack.smtp.waitFor(user.email, { subject: /Reset your Labwire password/ });
    await new Promise((r) => setTimeout(r, 500));
    expect(stack.smtp.mailsTo('no-such-user@lab.test')).toHaveLength(0);
  });

  it('sets the new password under the same policy, ends every session, and the link works once', async () => {
    const user = await createUser(stack.api);
    const second = await login(user.email, TEST_PASSWORD);
    const key = await stack.api.request('POST', '/api/v1/users/me/api-keys', {
      token: user.token,
      body: { name: 'sdk' },
    });
    expect(key.status).toBe(201);

    await forgot(user.email);
    const mail = await stack.smtp.waitFor(user.email, { subject: /Reset/ });
    const token = tokenFromLink(mail, '/account/reset-password');

    const weak = await reset(token, 'short');
    expect(weak.status).toBe(400);
    expect(weak.body.code).toBe('WEAK_PASSWORD');

    const done = await reset(token, NEW_PASSWORD);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ endedSessions: 2, revokedApiKeys: 1 });

    // the old sessions are over: access tokens and refresh tokens alike
    expect((await stack.api.request('GET', '/api/v1/users/me', { token: user.token })).status).toBe(401);
    expect((await stack.api.request('GET', '/api/v1/users/me', { token: second.body.accessToken })).status).toBe(401);
    const refresh = await stack.api.request('POST', '/api/v1/auth/refresh', {
      body: { refreshToken: user.refreshToken },
    });
    expect(refresh.status).toBe(400);
    expect((await stack.api.request('GET', '/api/v1/users/me', { apiKey: key.body.key })).status).toBe(401);

    expect((await login(user.email, TEST_PASSWORD)).status).toBe(401);
    expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);
    await stack.smtp.waitFor(user.email, { subject: /password was changed/ });

    const reused = await reset(token, 'yet another passphrase');
    expect(reused.status).toBe(400);
    expect(reused.body.code).toBe('RESET_TOKEN_INVALID');
  });

  it('refuses tampered and expired tokens', async () => {
    const user = await createUser(stack.api);
    await forgot(user.email);
    const token = tokenFromLink(await stack.smtp.waitFor(user.email), '/account/reset-password');
    const tampered = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    expect((await reset(tampered, NEW_PASSWORD)).body.code).toBe('RESET_TOKEN_INVALID');
    await stack.api.app
      .get(DataSource)
      .query(`UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE email = $1`, [user.email]);
    expect((await reset(token, NEW_PASSWORD)).body.code).toBe('RESET_TOKEN_INVALID');
    expect((await login(user.email, TEST_PASSWORD)).status).toBe(200);
  });

  it('limits the mails to one account: past the limit the answer stays 202 and nothing is sent', async () => {
    const user = await createUser(stack.api);
    for (let i = 0; i < 5; i++) expect((await forgot(user.email)).status).toBe(202);
    await stack.smtp.waitFor(user.email, { after: 2 });
    await new Promise((r) => setTimeout(r, 1000));
    expect(stack.smtp.mailsTo(user.email)).toHaveLength(3);
  });
});

describe('password recovery rate limit per client address', () => {
  it('answers 429 past 20 mail requests an hour from one address, whatever the email', async () => {
    const stack = await startMailTestStack();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) {
        const res = await stack.api.request('POST', '/api/v1/auth/password/forgot', {
          body: { email: `probe${i}@lab.test` },
        });
        statuses.push(res.status);
      }
      expect(statuses.slice(0, 20).every((s) => s === 202)).toBe(true);
      expect(statuses[20]).toBe(429);
    } finally {
      await stack.close();
    }
  });
});

describe('changing the email address', () => {
  let stack: MailTestStack;

  beforeAll(async () => {
    stack = await startMailTestStack();
  });
  afterAll(() => stack?.close());

  it('takes effect only once the new address is verified', async () => {
    const user = await createUser(stack.api);
    const wrong = await stack.api.request('POST', '/api/v1/users/me/email', {
      token: user.token,
      body: { email: 'moved@lab.test', currentPassword: 'not the password' },
    });
    expect(wrong.status).toBe(401);

    const asked = await stack.api.request('POST', '/api/v1/users/me/email', {
      token: user.token,
      body: { email: 'Moved@lab.test', currentPassword: TEST_PASSWORD },
    });
    expect(asked.status).toBe(202);
    const me = await stack.api.request('GET', '/api/v1/users/me', { token: user.token });
    expect(me.body.email).toBe(user.email);

    const mail = await stack.smtp.waitFor('moved@lab.test', { subject: /Confirm/ });
    const verified = await stack.api.request('POST', '/api/v1/auth/verify-email', {
      body: { token: tokenFromLink(mail, '/account/verify-email') },
    });
    expect(verified.body).toEqual({ email: 'moved@lab.test', status: 'active' });
    expect((await stack.api.request('GET', '/api/v1/users/me', { token: user.token })).body.email).toBe(
      'moved@lab.test',
    );
    const signIn = await stack.api.request('POST', '/api/v1/auth/login', {
      body: { email: 'moved@lab.test', password: TEST_PASSWORD },
    });
    expect(signIn.status).toBe(200);
  });

  it('answers the same for a taken address, whose owner is told instead', async () => {
    const user = await createUser(stack.api);
    const other = await createUser(stack.api);
    const res = await stack.api.request('POST', '/api/v1/users/me/email', {
      token: user.token,
      body: { email: other.email, currentPassword: TEST_PASSWORD },
    });
    expect(res.status).toBe(202);
    await stack.smtp.waitFor(other.email, { subject: /tried to register/ });
    expect(stack.smtp.mailsTo(other.email).some((m) => /Confirm/.test(m.subject))).toBe(false);
  });
});
