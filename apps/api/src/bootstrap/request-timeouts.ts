import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { AppConfig, DomainError } from '@labwire/core';
import { sendProblem } from '../common/errors/problem.filter';
import { takesLargeBodies } from '../common/http/route-body';

/** Node's own check of slow requests runs every 30 s: its limit stays a backstop past ours. */
const NODE_BACKSTOP_MS = 30_000;

/** The HTTP server's limit on receiving a whole request (Fastify's requestTimeout): a backstop. */
export function nodeRequestTimeoutMs(config: AppConfig): number {
  return Math.max(config.api.requestTimeoutMs, config.api.uploadTimeoutMs) + NODE_BACKSTOP_MS;
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Cuts requests whose body has not fully arrived API_REQUEST_TIMEOUT after their headers
 * (API_UPLOAD_TIMEOUT on routes that take large bodies): a 408 problem, then the connection is closed.
 * A body trickled a byte at a time once held a connection for minutes; Node's requestTimeout alone is
 * one limit for every route (uploads need longer) and is checked only every 30 s.
 */
export function cutSlowRequests(fastify: FastifyInstance, config: AppConfig, logger: PinoLogger): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    // `complete` is false on a real connection still receiving the request (inject() has none to cut)
    if (request.raw.complete !== false || !hasBody(request)) return done();
    const large = takesLargeBodies(request.routeOptions.config);
    const limitMs = large ? config.api.uploadTimeoutMs : config.api.requestTimeoutMs;
    const timer = setTimeout(() => {
      if (request.raw.complete) return;
      try {
        cut(request, reply, limitMs, large ? 'API_UPLOAD_TIMEOUT' : 'API_REQUEST_TIMEOUT');
      } catch (err) {
        // a timer has no caller to throw to: a failure to answer must not take the process down
        logger.error({ err, requestId: request.id }, 'cutting a slow request failed');
        request.raw.socket?.destroy();
      }
    }, limitMs);
    timer.unref();
    request.raw.once('end', () => clearTimeout(timer));
    request.raw.once('close', () => clearTimeout(timer));
    done();
  });

  function cut(request: FastifyRequest, reply: FastifyReply, limitMs: number, variable: string): void {
    const socket = request.raw.socket;
    logger.warn(
      { requestId: request.id, route: request.routeOptions.url },
      `request body still arriving after ${limitMs / 1000} s (${variable}): connection closed`,
    );
    if (reply.sent || reply.raw.headersSent) {
      socket?.destroy();
      return;
    }
    reply.header('connection', 'close');
    reply.raw.once('finish', () => socket?.destroy());
    const error = new DomainError(
      'REQUEST_TIMEOUT',
      `The request body did not arrive within ${limitMs / 1000} s (${variable}); send it at once, not a little at a time`,
      undefined,
      { limitSeconds: limitMs / 1000 },
    );
    sendProblem(error, request, reply, config.api.bodyLimitBytes, { error: () => undefined, warn: () => undefined });
  }
}
