import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { DomainError, ErrorCode } from '@labwire/core';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../common/errors/problem';

/** Node's own refusals, before Fastify sees a request: what each means to a client. */
function describe(code: string | undefined): DomainError {
  const error = (errorCode: ErrorCode, message: string) => new DomainError(errorCode, message);
  if (code === 'HPE_HEADER_OVERFLOW') {
    return error(
      'REQUEST_HEADERS_TOO_LARGE',
      'The request line and headers exceed 16 KB: send long values (a search text, a list of ids) in a body',
    );
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return error('REQUEST_TIMEOUT', 'The request did not arrive in time (API_REQUEST_TIMEOUT, API_UPLOAD_TIMEOUT)');
  }
  return error('VALIDATION_FAILED', 'The request is not valid HTTP/1.1');
}

/**
 * Fastify's clientErrorHandler: a request Node's HTTP parser refused (headers past 16 KB, malformed
 * HTTP, its own request timeout) is answered as problem+json like every other error, then closed.
 */
export function clientErrorHandler(bodyLimitBytes: number) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    if (socket.writable) {
      const { problem } = toProblem(describe(err.code), bodyLimitBytes);
      const body = JSON.stringify(problem);
      socket.write(
        `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(err);
  };
}
