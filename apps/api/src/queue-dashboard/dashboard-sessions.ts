import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '@labwire/core';
import {
  AccessTokenClaims,
  AuthService,
  ClientInfo,
  JWT_ALGORITHM,
  PlatformRole,
  SessionRepository,
} from '@labwire/domain';

/** The dashboard's cookie: a signed pointer to a login session, never an API credential. */
export const DASHBOARD_COOKIE = 'labwire_dashboard';

interface DashboardClaims {
  sub: string;
  sid: string;
  typ: 'dashboard';
}

export interface DashboardPrincipal {
  userId: string;
  sessionId: string;
  role: PlatformRole;
}

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
 * Browser sign-in for the queue dashboard. Signing in is the API's own login (same password check,
 * lockouts and rate limits) and creates an ordinary session; the cookie names that session, so
 * signing out, a password change or an admin revoking the user's sessions end it too, and every
 * request re-reads the session and the user's role from the database. The cookie's token has its own
 * `typ` and audience: it is not a Bearer token and the API refuses it.
 */
export class DashboardSessions {
  private readonly jwt = new JwtService();
  private readonly audience: string;

  constructor(
    private readonly config: AppConfig,
    private readonly auth: AuthService,
    private readonly sessions: SessionRepository,
  ) {
    this.audience = `${config.auth.audience}:queue-dashboard`;
  }

  /** Signs in with email and password; a user who is not a platform admin gets no session. */
  async signIn(email: string, password: string, client: ClientInfo): Promise<DashboardSignIn> {
    const pair = await this.auth.login(email, password, client);
    const { sub, sid } = this.jwt.decode<AccessTokenClaims>(pair.accessToken);
    const state = await this.sessions.state(sid, sub);
    if (state?.role !== 'admin') {
      await this.auth.logout({ userId: sub, role: state?.role ?? 'user', sessionId: sid });
      return { ok: false, reason: 'not_admin' };
    }
    const maxAgeSeconds = this.config.auth.refreshTtlSeconds;
    const claims: DashboardClaims = { sub, sid, typ: 'dashboard' };
    const token = this.jwt.sign(claims, {
      algorithm: JWT_ALGORITHM,
      secret: this.config.auth.jwtSecret,
      issuer: this.config.auth.issuer,
      audience: this.audience,
      expiresIn: maxAgeSeconds,
    });
    return { ok: true, token, maxAgeSeconds };
  }

  /** Who the cookie belongs to, while its session is open and its user active; null otherwise. */
  async authenticate(cookieHeader: string | undefined): Promise<DashboardPrincipal | null> {
    const token = readCookie(cookieHeader, DASHBOARD_COOKIE);
    if (!token) return null;
    let claims: DashboardClaims;
    try {
      claims = await this.jwt.verifyAsync<DashboardClaims>(token, {
        secret: this.config.auth.jwtSecret,
        algorithms: [JWT_ALGORITHM],
        issuer: this.config.auth.issuer,
        audience: this.audience,
      });
    } catch {
      return null;
    }
    if (claims.typ !== 'dashboard' || !claims.sub || !claims.sid) return null;
    const state = await this.sessions.state(claims.sid, claims.sub);
    if (!state || state.revoked || state.expired || state.status !== 'active') return null;
    return { userId: claims.sub, sessionId: claims.sid, role: state.role };
  }

  /** Ends the cookie's session (the same as POST /auth/logout with its access token). */
  async signOut(principal: DashboardPrincipal): Promise<void> {
    await this.auth.logout(principal);
  }
}
