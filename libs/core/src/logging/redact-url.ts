// No imports: the tracing set-up loads this before the instrumented modules.

/** Query parameters whose values are secrets (the token of a mailed link: `/account/reset-password?token=…`). */
const SECRET_QUERY = /([?&](?:token|access_token|api_key)=)[^&#]*/gi;

/** The token of a share link is a path segment: `/api/v1/shared/{token}/…`. */
const SECRET_PATH = /(\/shared\/)[^/?#]+/i;

/**
 * A request's `url` (path and query) as it may be logged: a share link's token and the values of
 * secret query parameters replaced with `[redacted]`.
 */
export function redactRequestUrl(url: string): string {
  const path = url.replace(SECRET_PATH, '$1[redacted]');
  return path.includes('?') ? path.replace(SECRET_QUERY, '$1[redacted]') : path;
}
