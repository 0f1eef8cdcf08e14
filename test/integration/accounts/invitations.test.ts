import { DataSource } from 'typeorm';
import { createUser, TestUser } from '../../support/test-app';
import { MailTestStack, startMailTestStack } from '../../support/mail-test-stack';
import { describeRouteTable, ScopedRoute } from '../../support/route-table';
import { tokenFromLink } from '../../support/smtp-test-server';
import { createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

const PASSWORD = 'an invited passphrase';

describe('workspace invitations', () => {
  let stack: MailTestStack;
  let crew: WorkspaceCrew;
  let admin: TestUser;
  let ws: string;

  beforeAll(async () => {
    stack = await startMailTestStack({ USERS_APPROVAL_FLOW: 'email', LOGIN_IP_LIMIT_PER_MINUTE: '1000' });
    crew = await createWorkspaceCrew(stack.api, 'Invited lab');
    admin = await createUser(stack.api, { role: 'admin' });
    ws = `/api/v1/workspaces/${crew.workspaceId}`;
  });
  afterAll(() => stack?.close());

  const invite = (email: string, role = 'editor') =>
    stack.api.request('POST', `${ws}/invitations`, { token: crew.owner.token, body: { email, role } });
  const registerWith = (token: string) =>
    stack.api.request('POST', '/api/v1/auth/register/invitation', {
      body: { token, fullName: 'Invited Person', password: PASSWORD },
    });
  const login = (email: string) =>
    stack.api.request('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });

  it('registers someone without an account straight into the workspace with the invited role', async () => {
    const res = await invite('Newcomer@lab.test', 'editor');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email: 'newcomer@lab.test', role: 'editor', status: 'pending' });

    const mail = await stack.smtp.waitFor('newcomer@lab.test', { subject: /invited/ });
    expect(mail.text).toContain('"Invited lab"');
    const token = tokenFromLink(mail, '/account/accept-invitation');

    const registered = await registerWith(token);
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ email: 'newcomer@lab.test', status: 'active' });
    expect(registered.body.emailVerifiedAt).not.toBeNull();

    const signIn = await login('newcomer@lab.test');
    expect(signIn.status).toBe(200);
    const members = await stack.api.request('GET', `${ws}/members`, { token: signIn.body.accessToken });
    expect(members.body.items).toContainEqual(expect.objectContaining({ email: 'newcomer@lab.test', role: 'editor' }));
    const location = await stack.api.request('POST', `${ws}/locations`, {
      token: signIn.body.accessToken,
      body: { name: 'Invited bench' },
    });
    expect(location.status).toBe(201);

    const again = await registerWith(token);
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('INVITATION_INVALID');
    const after = await stack.api.request('GET', `${ws}/invitations/${res.body.id}`, { token: crew.owner.token });
    expect(after.body.status).toBe('accepted');
  });

  it('a revoked invitation registers nobody', async () => {
    const res = await invite('revoked@lab.test');
    const token = tokenFromLink(await stack.smtp.waitFor('revoked@lab.test'), '/account/accept-invitation');
    const revoked = await stack.api.request('POST', `${ws}/invitations/${res.body.id}/revoke`, {
      token: crew.owner.token,
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');

    const attempt = await registerWith(token);
    expect(attempt.status).toBe(400);
    expect(attempt.body.code).toBe('INVITATION_INVALID');
    expect((await login('revoked@lab.test')).status).toBe(401);
    const users = await stack.api.request('GET', '/api/v1/users', { token: admin.token, query: { q: 'revoked@' } });
    expect(users.body.total).toBe(0);
    // revoking twice is refused
    const twice = await stack.api.request('POST', `${ws}/invitations/${res.body.id}/revoke`, {
      token: crew.owner.token,
    });
    expect(twice.body.code).toBe('INVITATION_NOT_PENDING');
  });

  it('re-sending mails a new link and the old one stops working; an expired one is refused', async () => {
    const res = await invite('resent@lab.test', 'viewer');
    const first = tokenFromLink(await stack.smtp.waitFor('resent@lab.test'), '/account/accept-invitation');
    const resent = await stack.api.request('POST', `${ws}/invitations/${res.body.id}/resend`, {
      token: crew.owner.token,
    });
    expect(resent.status).toBe(200);
    const second = tokenFromLink(
      await stack.smtp.waitFor('resent@lab.test', { after: 1 }),
      '/account/accept-invitation',
    );
    expect(second).not.toBe(first);
    expect((await registerWith(first)).body.code).toBe('INVITATION_INVALID');

    await stack.api.app
      .get(DataSource)
      .query(`UPDATE workspace_invitations SET expires_at = now() - interval '1 second' WHERE id = $1`, [res.body.id]);
    expect((await registerWith(second)).body.code).toBe('INVITATION_INVALID');
    const listed = await stack.api.request('GET', `${ws}/invitations/${res.body.id}`, { token: crew.owner.token });
    expect(listed.body.status).toBe('expired');
  });

  it('an existing user sees the invitation, declines or accepts it; nobody else can answer it', async () => {
    const invitee = await createUser(stack.api);
    const res = await invite(invitee.email, 'viewer');
    expect(res.status).toBe(201);
    const mail = await stack.smtp.waitFor(invitee.email, { subject: /invited/ });
    expect(mail.links).toContain('https://lab.test/account/invitations');
    expect(mail.text).not.toContain('token=');

    const mine = await stack.api.request('GET', '/api/v1/users/me/invitations', { token: invitee.token });
    expect(mine.body.map((i: any) => [i.id, i.workspaceName, i.role])).toEqual([
      [res.body.id, 'Invited lab', 'viewer'],
    ]);
    expect((await stack.api.request('GET', `${ws}/members`, { token: invitee.token })).status).toBe(404);

    const stranger = await stack.api.request('POST', `/api/v1/users/me/invitations/${res.body.id}/accept`, {
      token: crew.outsider.token,
    });
    expect(stranger.status).toBe(404);

    const declined = await stack.api.request('POST', `/api/v1/users/me/invitations/${res.body.id}/decline`, {
      token: invitee.token,
    });
    expect(declined.body.status).toBe('declined');
    expect((await stack.api.request('GET', `${ws}/members`, { token: invitee.token })).status).toBe(404);

    const again = await invite(invitee.email, 'editor');
    const accepted = await stack.api.request('POST', `/api/v1/users/me/invitations/${again.body.id}/accept`, {
      token: invitee.token,
    });
    expect(accepted.body.status).toBe('accepted');
    const members = await stack.api.request('GET', `${ws}/members`, { token: invitee.token });
    expect(members.body.items).toContainEqual(expect.objectContaining({ userId: invitee.id, role: 'editor' }));
    const reuse = await stack.api.request('POST', `/api/v1/users/me/invitations/${again.body.id}/accept`, {
      token: invitee.token,
    });
    expect(reuse.body.code).toBe('INVITATION_NOT_PENDING');
    expect((await invite(invitee.email)).body.code).toBe('MEMBER_EXISTS');
  });

  it('audits every step in the workspace', async () => {
    const res = await invite('audited@lab.test', 'viewer');
    await stack.api.request('POST', `${ws}/invitations/${res.body.id}/resend`, { token: crew.owner.token });
    await stack.api.request('POST', `${ws}/invitations/${res.body.id}/revoke`, { token: crew.owner.token });
    const audit = await stack.api.request('GET', `${ws}/audit-log`, {
      token: crew.owner.token,
      query: { entityType: 'invitation', entityId: res.body.id, sort: 'createdAt' },
    });
    expect(audit.body.items.map((e: any) => [e.action, e.actorUserId, Object.keys(e.changes).sort()])).toEqual([
      ['create', crew.owner.id, ['email', 'expiresAt', 'role']],
      ['update', crew.owner.id, ['expiresAt']],
      ['update', crew.owner.id, ['status']],
    ]);
  });

  describeRouteTable(
    'invitations',
    async () => {
      const pending = await invite('table@lab.test', 'viewer');
      const id = pending.body.id;
      const routes: ScopedRoute[] = [
        { method: 'GET', path: `${ws}/invitations`, role: 'owner' },
        {
          method: 'POST',
          path: `${ws}/invitations`,
          role: 'owner',
          body: { email: 'someone@lab.test', role: 'viewer' },
        },
        { method: 'GET', path: `${ws}/invitations/${id}`, role: 'owner' },
        { method: 'POST', path: `${ws}/invitations/${id}/resend`, role: 'owner' },
        { method: 'POST', path: `${ws}/invitations/${id}/revoke`, role: 'owner' },
        { method: 'POST', path: `${ws}/members`, role: 'owner', body: { email: 'someone@lab.test', role: 'viewer' } },
      ];
      return { api: stack.api, crew, admin, routes };
    },
    async () =>
      stack.api.app
        .get(DataSource)
        .query(
          `SELECT id, email, role, status, token_hash, expires_at FROM workspace_invitations WHERE workspace_id = $1 ORDER BY id`,
          [crew.workspaceId],
        ),
  );
});

describe('an invitation under USERS_APPROVAL_FLOW=admin', () => {
  it('registers the person into the workspace, pending until an administrator approves', async () => {
    const stack = await startMailTestStack({ USERS_APPROVAL_FLOW: 'admin' });
    try {
      const crew = await createWorkspaceCrew(stack.api, 'Approved lab');
      const admin = await createUser(stack.api, { role: 'admin' });
      await stack.api.request('POST', `/api/v1/workspaces/${crew.workspaceId}/invitations`, {
        token: crew.owner.token,
        body: { email: 'needs-approval@lab.test', role: 'viewer' },
      });
      const token = tokenFromLink(await stack.smtp.waitFor('needs-approval@lab.test'), '/account/accept-invitation');
      const registered = await stack.api.request('POST', '/api/v1/auth/register/invitation', {
        body: { token, fullName: 'Waiting Person', password: PASSWORD },
      });
      expect(registered.body.status).toBe('pending');
      await stack.smtp.waitFor(admin.email, { subject: /waits for approval/ });
      const signIn = () =>
        stack.api.request('POST', '/api/v1/auth/login', {
          body: { email: 'needs-approval@lab.test', password: PASSWORD },
        });
      expect((await signIn()).body.code).toBe('ACCOUNT_PENDING');
      await stack.api.request('POST', `/api/v1/users/${registered.body.id}/approve`, { token: admin.token });
      const session = await signIn();
      const members = await stack.api.request('GET', `/api/v1/workspaces/${crew.workspaceId}/members`, {
        token: session.body.accessToken,
      });
      expect(members.body.items).toContainEqual(
        expect.objectContaining({ email: 'needs-approval@lab.test', role: 'viewer' }),
      );
    } finally {
      await stack.close();
    }
  });
});
