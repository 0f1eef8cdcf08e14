import { AppConfig } from '@labwire/core';
import { AuthService, ClientInfo, SessionRepository } from '@labwire/domain';
import { PagePrincipal, PageSessions } from '../common/html/page-sessions';

/** The dashboard's cookie: a signed pointer to a login session, never an API credential. */
export const DASHBOARD_COOKIE = 'labwire_dashboard';

export type DashboardPrincipal = PagePrincipal;

export type DashboardSignIn = { ok: true; token: string; maxAgeSeconds: number } | { ok: false; reason: 'not_admin' };

/** The value of one cookie in a Cookie header (RFC 6265 pairs), or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Browser sign-in for the queue dashboard: a page session (see PageSessions) carried in a cookie,
 * for platform admins only; the cookie lives as long as a refresh token would.
 */
export class DashboardSessions {
  private readonly pages: PageSessions;

  constructor(config: AppConfig, auth: AuthService, sessions: SessionRepository) {
    this.pages = new PageSessions(config, auth, sessions, {
      audienceSuffix: 'queue-dashboard',
      typ: 'dashboard',
      maxAgeSeconds: config.auth.refreshTtlSeconds,
    });
  }

  /** Signs in with email and password; a user who is not a platform admin gets no session. */
  async signIn(email: string, password: string, client: ClientInfo): Promise<DashboardSignIn> {
    const { token, maxAgeSeconds, principal } = await this.pages.signIn(email, password, client);
    if (principal.role !== 'admin') {
      await this.pages.signOut(principal);
      return { ok: false, reason: 'not_admin' };
    }
    return { ok: true, token, maxAgeSeconds };
  }

  /** Who the cookie belongs to, while its session is open and its user active; null otherwise. */
  authenticate(cookieHeader: string | undefined): Promise<DashboardPrincipal | null> {
    return this.pages.authenticate(readCookie(cookieHeader, DASHBOARD_COOKIE));
  }

  /** Ends the cookie's session (the same as POST /auth/logout with its access token). */
  signOut(principal: DashboardPrincipal): Promise<void> {
    return this.pages.signOut(principal);
  }
}
