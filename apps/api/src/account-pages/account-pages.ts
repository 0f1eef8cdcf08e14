import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { AppConfig } from '@labwire/core';
import {
  InvitationInvalidError,
  InvitationService,
  PasswordRecoveryService,
  RegistrationService,
} from '@labwire/domain';
import { clientInfo } from '../common/client-info';
import {
  acceptFormPosts,
  formField,
  noStorePageHeaders,
  SAFE_METHODS,
  sameOriginRequest,
} from '../common/html/browser-forms';
import { PAGE_STYLE_SOURCE } from '../common/html/html-page';
import { EmailDto, ResetPasswordDto, TokenDto } from '../identity/dto/accounts.dto';
import { MAIL_ON_ITS_WAY } from '../identity/accounts.controller';
import { RegisterWithInvitationDto } from '../workspaces/dto/invitation.dto';
import * as views from './account-page-views';
import { registerInvitationPages } from './invitation-pages';
import { invalidFields, send, sendDomainError } from './page-replies';

/** Where the pages live: the paths of the links in Labwire's account mails (AccountMails). */
export const ACCOUNT_PAGES_PREFIX = '/account';

/**
 * No script at all, the layout's one stylesheet by hash, forms posting to this origin only, never
 * framed. With `Referrer-Policy: no-referrer` the token in a page's address never leaves in a Referer.
 */
const CSP = `default-src 'none'; style-src ${PAGE_STYLE_SOURCE}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

const VERIFY_LINK_INVALID = 'This confirmation link is invalid, was used already or has expired.';
const RESET_LINK_INVALID = 'This password reset link is invalid, was used already or has expired.';
const PASSWORDS_DIFFER = 'The two passwords differ: type the same password twice.';

/** The token of a link (query string) or a form: one string of a plausible length, else undefined. */
async function tokenOf(value: unknown): Promise<string | undefined> {
  if (typeof value !== 'string') return undefined;
  return (await invalidFields(TokenDto, { token: value })) ? undefined : value;
}

/**
 * The pages behind the links of Labwire's account mails (`PUBLIC_URL/account/…`): small
 * server-rendered forms that post back to the same path, where the same domain services as the JSON
 * routes (POST /api/v1/auth/verify-email, /password/forgot, /password/reset, /register/invitation) do the
 * work, with their rate limits. A link only shows a form: following it (as mail scanners do) spends
 * nothing. Outside /api/v1 and outside the OpenAPI document: they are HTML for people, not the API.
 */
export async function registerAccountPages(
  app: NestFastifyApplication,
  config: AppConfig,
  logger: PinoLogger,
): Promise<void> {
  const registration = app.get(RegistrationService);
  const recovery = app.get(PasswordRecoveryService);
  const invitations = app.get(InvitationService);

  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  await fastify.register(
    async (scope) => {
      acceptFormPosts(scope);
      scope.addHook('onRequest', async (request, reply) => {
        noStorePageHeaders(reply, CSP);
        reply.header('referrer-policy', 'no-referrer');
        if (!SAFE_METHODS.has(request.method) && !sameOriginRequest(request)) {
          const message =
            "Refused: this form can only be sent from Labwire's own page. Open the link from your mail again.";
          return send(reply, 403, views.errorPage('Not allowed', message));
        }
      });
      scope.setErrorHandler((error: FastifyError, request, reply) => {
        const status = error.statusCode ?? 500;
        if (status < 500) return send(reply, status, views.errorPage('Not accepted', error.message));
        logger.error({ err: error, requestId: request.id, path: request.routeOptions.url }, 'account page failed');
        return send(reply, 500, views.failed(String(request.id)));
      });

      scope.get('/verify-email', async (request: FastifyRequest<{ Querystring: { token?: unknown } }>, reply) => {
        const token = await tokenOf(request.query.token);
        if (!token) return send(reply, 400, views.missingToken('confirmation'));
        const email = await registration.verificationFor(token);
        if (!email) return send(reply, 400, views.verifyEmailFailed(VERIFY_LINK_INVALID));
        return send(reply, 200, views.verifyEmailForm(token, email));
      });
      scope.post('/verify-email', async (request, reply) => {
        const token = await tokenOf(formField(request.body, 'token'));
        if (!token) return send(reply, 400, views.verifyEmailFailed(VERIFY_LINK_INVALID));
        try {
          const result = await registration.verifyEmail(token);
          return send(reply, 200, views.emailVerified(result.email, result.status));
        } catch (err) {
          return sendDomainError(reply, err, (e) =>
            e.code === 'EMAIL_TOKEN_INVALID'
              ? views.verifyEmailFailed(VERIFY_LINK_INVALID)
              : views.errorPage('This link does not work', e.message),
          );
        }
      });
      scope.post('/resend-verification', async (request, reply) => {
        const email = formField(request.body, 'email');
        const invalid = await invalidFields(EmailDto, { email });
        if (invalid) return send(reply, 400, views.verifyEmailFailed(invalid));
        try {
          await registration.resendVerification(email, clientInfo(request));
          return send(reply, 200, views.mailOnItsWay(MAIL_ON_ITS_WAY));
        } catch (err) {
          return sendDomainError(reply, err, (e) => views.verifyEmailFailed(e.message));
        }
      });

      scope.get('/reset-password', async (request: FastifyRequest<{ Querystring: { token?: unknown } }>, reply) => {
        const token = await tokenOf(request.query.token);
        if (!token) return send(reply, 400, views.missingToken('password reset'));
        const email = await recovery.resetFor(token);
        if (!email) return send(reply, 400, views.resetPasswordFailed(RESET_LINK_INVALID));
        return send(reply, 200, views.resetPasswordForm(token, email));
      });
      scope.post('/reset-password', async (request, reply) => {
        const token = await tokenOf(formField(request.body, 'token'));
        const email = token && (await recovery.resetFor(token));
        if (!token || !email) return send(reply, 400, views.resetPasswordFailed(RESET_LINK_INVALID));
        const password = formField(request.body, 'password');
        const form = (error: string) => views.resetPasswordForm(token, email, error);
        const invalid = await invalidFields(ResetPasswordDto, { token, password });
        if (invalid) return send(reply, 400, form(invalid));
        if (password !== formField(request.body, 'confirm')) return send(reply, 400, form(PASSWORDS_DIFFER));
        try {
          const result = await recovery.reset(token, password);
          return send(reply, 200, views.passwordChanged(result.endedSessions, result.revokedApiKeys));
        } catch (err) {
          // A refused password leaves the link usable: the form again, with the same token.
          return sendDomainError(reply, err, (e) =>
            e.code === 'RESET_TOKEN_INVALID' ? views.resetPasswordFailed(RESET_LINK_INVALID) : form(e.message),
          );
        }
      });

      scope.get('/forgot-password', async (_request, reply) => send(reply, 200, views.forgotPasswordForm()));
      scope.post('/forgot-password', async (request, reply) => {
        const email = formField(request.body, 'email');
        const invalid = await invalidFields(EmailDto, { email });
        if (invalid) return send(reply, 400, views.forgotPasswordForm(invalid, email));
        try {
          await recovery.forgot(email, clientInfo(request));
          return send(reply, 200, views.mailOnItsWay(MAIL_ON_ITS_WAY));
        } catch (err) {
          return sendDomainError(reply, err, (e) => views.forgotPasswordForm(e.message, email));
        }
      });

      const invitationFailed = (message: string, hint = '') =>
        views.errorPage('This invitation does not work', message, hint);
      scope.get('/accept-invitation', async (request: FastifyRequest<{ Querystring: { token?: unknown } }>, reply) => {
        const token = await tokenOf(request.query.token);
        if (!token) return send(reply, 400, views.missingToken('invitation'));
        const invitation = await invitations.findOpenByToken(token);
        if (!invitation) return send(reply, 400, invitationFailed(new InvitationInvalidError().message));
        return send(reply, 200, views.invitationForm(token, invitation));
      });
      scope.post('/accept-invitation', async (request, reply) => {
        const token = await tokenOf(formField(request.body, 'token'));
        if (!token) return send(reply, 400, invitationFailed('The invitation link is cut off.'));
        const invitation = await invitations.findOpenByToken(token);
        if (!invitation) return send(reply, 400, invitationFailed(new InvitationInvalidError().message));
        const fullName = formField(request.body, 'fullName');
        const password = formField(request.body, 'password');
        const form = (error: string) => views.invitationForm(token, invitation, error, fullName);
        const invalid = await invalidFields(RegisterWithInvitationDto, { token, fullName, password });
        if (invalid) return send(reply, 400, form(invalid));
        if (password !== formField(request.body, 'confirm')) return send(reply, 400, form(PASSWORDS_DIFFER));
        try {
          const { user } = await invitations.register({ token, fullName, password });
          return send(reply, 200, views.invitationAccepted(user.email, user.status));
        } catch (err) {
          return sendDomainError(reply, err, (e) => {
            if (e.code === 'WEAK_PASSWORD') return form(e.message);
            const hint =
              e.code === 'EMAIL_TAKEN'
                ? '<p>Sign in with that account and accept the invitation: <a href="invitations">how</a>.</p>'
                : '';
            return invitationFailed(e.message, hint);
          });
        }
      });

      registerInvitationPages(scope, app, config);
    },
    { prefix: ACCOUNT_PAGES_PREFIX },
  );
}
