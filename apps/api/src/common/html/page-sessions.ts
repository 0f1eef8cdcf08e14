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

interface PageClaims {
  sub: string;
  sid: string;
  typ: string;
}

/** Who a page token belongs to, while its login session is open and its user active. */
export interface PagePrincipal {
  userId: string;
  sessionId: string;
  role: PlatformRole;
}

export interface PageSignIn {
  token: string;
  maxAgeSeconds: number;
  principal: PagePrincipal;
}

/**
 * Browser sign-in for the api's own pages (queue dashboard, account invitations). Signing in is the
 * API's own login (same password check, lockouts and rate limits) and creates an ordinary session; the
 * page token names that session, so signing out, a password change or an admin revoking the user's
 * sessions end it too, and every use re-reads the session and the user's role from the database. The
 * token has its own `typ` and audience per use: it is not a Bearer token, the API refuses it, and one
 * page's token is nothing to another's.
 */
export class PageSessions {
  private readonly jwt = new JwtService();
  private readonly audience: string;

  constructor(
    private readonly config: AppConfig,
    private readonly auth: AuthService,
    private readonly sessions: SessionRepository,
    private readonly use: { audienceSuffix: string; typ: string; maxAgeSeconds: number },
  ) {
    this.audience = `${config.auth.audience}:${use.audienceSuffix}`;
  }

  /** Signs in with email and password (the API's login errors propagate) and answers a page token. */
  async signIn(email: string, password: string, client: ClientInfo): Promise<PageSignIn> {
    const pair = await this.auth.login(email, password, client);
    const { sub, sid } = this.jwt.decode<AccessTokenClaims>(pair.accessToken);
    const state = await this.sessions.state(sid, sub);
    const principal: PagePrincipal = { userId: sub, sessionId: sid, role: state?.role ?? 'user' };
    const claims: PageClaims = { sub, sid, typ: this.use.typ };
    const token = this.jwt.sign(claims, {
      algorithm: JWT_ALGORITHM,
      secret: this.config.auth.jwtSecret,
      issuer: this.config.auth.issuer,
      audience: this.audience,
      expiresIn: this.use.maxAgeSeconds,
    });
    return { token, maxAgeSeconds: this.use.maxAgeSeconds, principal };
  }

  /** Who the token belongs to, while its session is open and its user active; null otherwise. */
  async authenticate(token: string | undefined): Promise<PagePrincipal | null> {
    if (!token) return null;
    let claims: PageClaims;
    try {
      claims = await this.jwt.verifyAsync<PageClaims>(token, {
        secret: this.config.auth.jwtSecret,
        algorithms: [JWT_ALGORITHM],
        issuer: this.config.auth.issuer,
        audience: this.audience,
      });
    } catch {
      return null;
    }
    if (claims.typ !== this.use.typ || !claims.sub || !claims.sid) return null;
    const state = await this.sessions.state(claims.sid, claims.sub);
    if (!state || state.revoked || state.expired || state.status !== 'active') return null;
    return { userId: claims.sub, sessionId: claims.sid, role: state.role };
  }

  /** Ends the token's session (the same as POST /auth/logout with its access token). */
  async signOut(principal: PagePrincipal): Promise<void> {
    await this.auth.logout(principal);
  }
}
