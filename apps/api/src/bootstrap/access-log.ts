import { FastifyReply, FastifyRequest, LogController } from 'fastify';
import { isQuietPath, redactRequestUrl } from '@labwire/core';

/**
 * Fastify's request logging, Labwire's way: the request id under `requestId` on every line of the
 * request (Fastify binds it to request.log, which Nest's loggers write through), one access line
 * when the response is sent (secret query parameters redacted), and none for health probes and metric
 * scrapes.
 */
export class AccessLog extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'requestId' });
  }

  override incomingRequest(): void {
    // One line per request, at completion, is enough.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (isQuietPath(request.url)) return;
    request.log.info(
      {
        // The token of a mailed link (`/account/…?token=`) is a credential: never in a log line.
        req: { method: request.method, url: redactRequestUrl(request.url) },
        res: { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime),
        ...(error && { err: error }),
      },
      'request completed',
    );
  }
}
