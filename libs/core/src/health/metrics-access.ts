import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether a scrape may read /metrics: always when no METRICS_TOKEN is set (as before it existed),
 * else only with `Authorization: Bearer <token>`. Compared in constant time over digests, so neither
 * the token nor its length leaks through timing.
 */
export function metricsAccessAllowed(authorization: string | string[] | undefined, token: string | null): boolean {
  if (token === null) return true;
  if (typeof authorization !== 'string') return false;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
  if (!match) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}

export const METRICS_TOKEN_REQUIRED = 'The metrics need "Authorization: Bearer <METRICS_TOKEN>"';
