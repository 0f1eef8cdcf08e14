import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { isUUID } from 'class-validator';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig, DomainError } from '@labwire/core';
import { Actor, AuthService, InvitationService, SessionRepository } from '@labwire/domain';
import { clientInfo } from '../common/client-info';
import { statusOf } from '../common/errors/problem';
import { formField } from '../common/html/browser-forms';
import { PagePrincipal, PageSessions } from '../common/html/page-sessions';
import { EmailDto } from '../identity/dto/accounts.dto';
import * as views from './invitation-page-views';
import { invalidFields, send, sendDomainError } from './page-replies';

/** How long the invitations page stays signed in (its token); signing out or answering the last one ends it sooner. */
export const INVITATIONS_PAGE_TTL_SECONDS = 15 * 60;

const SIGNED_OUT =
  'Your sign-in on this page has ended (it lasts 15 minutes, and ends when you sign out): sign in again.';

/**
 * `/account/invitations`, where the invitation mail to an address that has an account leads: the
 * invitee signs in (the API's own login, its lockouts and limits) and accepts or declines with the
 * same service as POST /api/v1/users/me/invitations/{id}/accept | decline. The sign-in is an ordinary
 * session named by a short-lived page token carried in a hidden field (no cookie); answering the last
 * open invitation, or "Sign out", ends that session.
 */
export function registerInvitationPages(scope: FastifyInstance, app: NestFastifyApplication, config: AppConfig): void {
  const invitations = app.get(InvitationService);
  const sessions = new PageSessions(config, app.get(AuthService), app.get(SessionRepository), {
    audienceSuffix: 'account-invitations',
    typ: 'account-invitations',
    maxAgeSeconds: INVITATIONS_PAGE_TTL_SECONDS,
  });
  const apiBase = `${config.mail.publicUrl}/api/v1`;

  const list = async (
    reply: FastifyReply,
    status: number,
    principal: PagePrincipal,
    session: string,
    notice?: { ok?: string; error?: string },
  ) => send(reply, status, views.invitationsList(await invitations.listMine(principal.userId), session, notice));

  scope.get('/invitations', async (_request, reply) => send(reply, 200, views.invitationsSignIn(apiBase)));

  scope.post('/invitations', async (request, reply) => {
    const email = formField(request.body, 'email');
    const password = formField(request.body, 'password');
    const invalid = (await invalidFields(EmailDto, { email })) ?? (password ? undefined : 'Enter your password');
    if (invalid) return send(reply, 400, views.invitationsSignIn(apiBase, invalid, email));
    try {
      const signedIn = await sessions.signIn(email, password, clientInfo(request));
      return await list(reply, 200, signedIn.principal, signedIn.token);
    } catch (err) {
      // wrong password, pending or disabled account, lockouts: the API's own answers, as the form again
      return sendDomainError(reply, err, (e) => views.invitationsSignIn(apiBase, e.message, email));
    }
  });

  scope.post('/answer-invitation', async (request: FastifyRequest, reply) => {
    const session = formField(request.body, 'session');
    const principal = await sessions.authenticate(session);
    if (!principal) return send(reply, 401, views.invitationsSignIn(apiBase, SIGNED_OUT));
    const id = formField(request.body, 'invitationId');
    const answer = formField(request.body, 'answer');
    if (!isUUID(id)) return list(reply, 404, principal, session, { error: 'There is no such invitation to you.' });
    if (answer !== 'accept' && answer !== 'decline') {
      return list(reply, 400, principal, session, { error: 'Choose Accept or Decline.' });
    }
    const actor: Actor = { userId: principal.userId, requestId: String(request.id) };
    try {
      const answered =
        answer === 'accept'
          ? await invitations.accept(principal.userId, id, actor)
          : await invitations.decline(principal.userId, id, actor);
      const ok =
        answer === 'accept'
          ? `You joined the workspace "${answered.workspaceName}" as ${answered.role}.`
          : `You declined the invitation to "${answered.workspaceName}".`;
      if ((await invitations.listMine(principal.userId)).length === 0) {
        await sessions.signOut(principal);
        return send(reply, 200, views.signedOut(`${ok} No open invitations are left.`));
      }
      return await list(reply, 200, principal, session, { ok });
    } catch (err) {
      // someone else's invitation (404), one already answered, revoked or expired (409)
      if (!(err instanceof DomainError)) throw err;
      return list(reply, statusOf(err.code), principal, session, { error: err.message });
    }
  });

  scope.post('/sign-out', async (request, reply) => {
    const principal = await sessions.authenticate(formField(request.body, 'session'));
    if (principal) await sessions.signOut(principal);
    return send(reply, 200, views.signedOut());
  });
}
