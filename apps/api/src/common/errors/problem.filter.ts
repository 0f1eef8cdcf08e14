import { ArgumentsHost, Catch, ExceptionFilter, Inject, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig, DomainError, redactRequestUrl } from '@labwire/core';
import { acceptedBodyTypes } from '../http/route-body';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem';

/** The one exception filter: every error leaves the api as application/problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    // a route may have its own body limit (@RouteBody); a 413 names the one that applied
    const bodyLimit = request.routeOptions?.bodyLimit ?? this.config.api.bodyLimitBytes;
    sendProblem(error, request, reply, bodyLimit, this.logger);
  }
}

export function sendProblem(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  bodyLimitBytes: number,
  logger: Pick<Logger, 'error' | 'warn'>,
): void {
  const { problem, expected } = toProblem(error, bodyLimitBytes, {
    accepted: acceptedBodyTypes(request.routeOptions?.config),
    received: request.headers['content-type'],
  });
  problem.requestId = String(request.id);
  if (!expected) {
    logger.error(
      { err: error, requestId: request.id, route: request.routeOptions?.url },
      `unexpected error on ${request.method} ${request.routeOptions?.url ?? redactRequestUrl(request.url)} (requestId ${request.id})`,
    );
  } else if (problem.status === 429 && error instanceof DomainError) {
    logger.warn({ requestId: request.id, code: problem.code }, problem.detail);
  }
  if (typeof problem.retryAfterSeconds === 'number') reply.header('retry-after', String(problem.retryAfterSeconds));
  if (reply.sent) return;
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
}
