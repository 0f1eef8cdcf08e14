import { createBullBoard } from '@bull-board/api';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { AppConfig, DomainError, ForbiddenError, UnauthenticatedError } from '@labwire/core';
import { AuthService, SessionRepository } from '@labwire/domain';
import { QueueRegistry, queueDashboardAdapters } from '@labwire/queue';
import { clientInfo } from '../common/client-info';
import { acceptFormPosts, noStorePageHeaders, SAFE_METHODS, sameOriginRequest } from '../common/html/browser-forms';
import { sendProblem } from '../common/errors/problem.filter';
import { statusOf } from '../common/errors/problem';
import { loginPage, logoutPage, refusedPage } from './dashboard-pages';
import { DASHBOARD_COOKIE, DashboardPrincipal, DashboardSessions } from './dashboard-sessions';

declare module 'fastify' {
  interface FastifyRequest {
    dashboardPrincipal?: DashboardPrincipal;
  }
}

function cookie(config: AppConfig, value: string, maxAgeSeconds: number): string {
  const secure = config.env === 'development' ? '' : '; Secure';
  return (
    `${DASHBOARD_COOKIE}=${value}; Path=${config.api.queueDashboard.path}; Max-Age=${maxAgeSeconds}; ` +
    `HttpOnly; SameSite=Strict${secure}`
  );
}

/** A request for a page (the UI, its assets), not one of bull-board's JSON calls. */
function wantsPage(request: FastifyRequest, base: string): boolean {
  return SAFE_METHODS.has(request.method) && !request.url.startsWith(`${base}/api/`);
}

/**
 * Serves bull-board over every Labwire queue at QUEUE_DASHBOARD_PATH, for platform admins signed in
 * through `<path>/login` (a session cookie). Everything under the path, the UI's assets and JSON calls
 * included, needs that cookie; nothing else of the api accepts it (its Path is the dashboard's).
 */
export async function registerQueueDashboard(
  app: NestFastifyApplication,
  config: AppConfig,
  logger: PinoLogger,
): Promise<void> {
  const base = config.api.queueDashboard.path;
  const sessions = new DashboardSessions(config, app.get(AuthService), app.get(SessionRepository));
  const board = new BullBoardFastifyAdapter();
  board.setBasePath(base);
  createBullBoard({
    queues: queueDashboardAdapters(app.get(QueueRegistry)),
    serverAdapter: board,
    options: {
      uiConfig: {
        boardTitle: 'Labwire queues',
        miscLinks: [{ text: 'Sign out', url: `${base}/logout` }],
      },
    },
  });
  const problem = (error: unknown, request: FastifyRequest, reply: FastifyReply) =>
    sendProblem(error, request, reply, config.api.bodyLimitBytes, {
      error: (obj: object, msg: string) => logger.error(obj, msg),
      warn: (obj: object, msg: string) => logger.warn(obj, msg),
    } as Parameters<typeof sendProblem>[4]);

  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  await fastify.register(
    async (scope) => {
      // The sign-in form posts application/x-www-form-urlencoded, which the JSON api refuses elsewhere.
      acceptFormPosts(scope);
      scope.addHook('onRequest', async (request, reply) => {
        // Never cached, never framed (a framed dashboard could be clicked through from another site).
        // bull-board's UI runs its own scripts: the policy only forbids framing.
        noStorePageHeaders(reply, "frame-ancestors 'none'");
        // CSRF: bull-board's retry/clean/promote/pause calls, sign-in and sign-out come from the
        // dashboard's own pages only, on top of the cookie being SameSite=Strict. Not a double-submit
        // token: bull-board's UI makes its own API calls and has no hook to add a header.
        if (!SAFE_METHODS.has(request.method) && !sameOriginRequest(request)) {
          return problem(
            new ForbiddenError(
              'Cross-origin request refused: the queue dashboard accepts changes from its own pages only',
            ),
            request,
            reply,
          );
        }
        const path = request.url.split('?')[0];
        if (path === `${base}/login`) return;
        const principal = await sessions.authenticate(request.headers.cookie);
        if (!principal) {
          if (path === `${base}/logout` && request.method === 'POST') return reply.redirect(`${base}/login`, 303);
          if (wantsPage(request, base)) return reply.redirect(`${base}/login`, 303);
          return problem(new UnauthenticatedError('Sign in to the queue dashboard first'), request, reply);
        }
        if (principal.role !== 'admin') {
          const message = 'The queue dashboard is for platform administrators only';
          if (wantsPage(request, base)) return reply.status(403).type('text/html').send(refusedPage(base, message));
          return problem(new ForbiddenError(message), request, reply);
        }
        request.dashboardPrincipal = principal;
      });

      // Operators' changes to the queues are logged with who made them, like the admin queue routes'.
      scope.addHook('onResponse', async (request, reply) => {
        const admin = request.dashboardPrincipal;
        if (!admin || SAFE_METHODS.has(request.method) || !request.url.startsWith(`${base}/api/`)) return;
        logger.info(
          { userId: admin.userId, method: request.method, path: request.url, status: reply.statusCode },
          `queue dashboard: ${request.method} ${request.url} by ${admin.userId} answered ${reply.statusCode}`,
        );
      });

      scope.get('/login', async (_request, reply) => reply.type('text/html').send(loginPage(base)));
      scope.post('/login', async (request, reply) => {
        const body = (request.body ?? {}) as Record<string, unknown>;
        const email = typeof body.email === 'string' ? body.email : '';
        const password = typeof body.password === 'string' ? body.password : '';
        if (!email || !password) {
          return reply.status(400).type('text/html').send(loginPage(base, 'Enter an email and a password'));
        }
        try {
          const result = await sessions.signIn(email, password, clientInfo(request));
          if (!result.ok) {
            return reply
              .status(403)
              .type('text/html')
              .send(loginPage(base, 'The queue dashboard is for platform administrators only'));
          }
          reply.header('set-cookie', cookie(config, result.token, result.maxAgeSeconds));
          return reply.redirect(base, 303);
        } catch (err) {
          // Wrong password, pending or disabled account, lockouts: the API's own answers, as a page.
          if (!(err instanceof DomainError)) throw err;
          const retryAfter = err.meta?.retryAfterSeconds;
          if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
          return reply.status(statusOf(err.code)).type('text/html').send(loginPage(base, err.message));
        }
      });
      scope.get('/logout', async (_request, reply) => reply.type('text/html').send(logoutPage(base)));
      scope.post('/logout', async (request, reply) => {
        await sessions.signOut(request.dashboardPrincipal as DashboardPrincipal);
        reply.header('set-cookie', cookie(config, '', 0));
        return reply.redirect(`${base}/login`, 303);
      });
      await scope.register(board.registerPlugin());
    },
    { prefix: base },
  );
}
