import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence of a state-changing request from a browser: the Origin must be this very host, or,
 * where the browser sends no Origin or `Origin: null` (which it does for a form posted from a page
 * under `Referrer-Policy: no-referrer`), `Sec-Fetch-Site: same-origin`. Hosts, not schemes, are
 * compared, so a TLS-terminating proxy in front does not need TRUST_PROXY for this (it must pass the
 * Host header on).
 */
export function sameOriginRequest(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') {
    try {
      return new URL(origin).host === request.host;
    } catch {
      return false;
    }
  }
  return request.headers['sec-fetch-site'] === 'same-origin';
}

/**
 * Lets the routes of one encapsulated Fastify scope take HTML form posts
 * (application/x-www-form-urlencoded, which the JSON api refuses elsewhere) as a flat object of
 * strings. A repeated field keeps its last value.
 */
export function acceptFormPosts(scope: FastifyInstance, bodyLimit = 4096): void {
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
}

/** A string field of a parsed form (or JSON) body; '' when missing or not a string. */
export function formField(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | null | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/**
 * Headers of a page that must never be cached, framed (clickjacking) or sniffed. `csp` is the page's
 * Content-Security-Policy; `frame-ancestors 'none'` belongs in it.
 */
export function noStorePageHeaders(reply: FastifyReply, csp: string): void {
  reply.header('cache-control', 'no-store');
  reply.header('content-security-policy', csp);
  reply.header('x-frame-options', 'DENY');
  reply.header('x-content-type-options', 'nosniff');
}
