import { Injectable } from '@nestjs/common';
import { ApiKeyRepository } from './api-key.repository';
import { AuthCache } from './auth-cache';
import { AccessTokenClaims, Principal } from './principal';
import { SessionRepository, SessionState } from './session.repository';

/**
 * Turns verified access-token claims into a principal, checking on every request that the session
 * is still open and the user still active, so logout, password changes and disabling take effect at
 * once rather than when the token expires. The role comes from the database, not the token.
 */
@Injectable()
export class AccessVerifier {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly apiKeys: ApiKeyRepository,
    private readonly cache: AuthCache,
  ) {}

  /** `workspaceId`: the (valid uuid) workspace the request addresses, whose role is read alongside. */
  async verify(claims: AccessTokenClaims, workspaceId?: string): Promise<Principal | null> {
    if (claims.typ !== 'access' || !claims.sub || !claims.sid) return null;
    const key = `s:${claims.sid}:${claims.sub}:${workspaceId ?? ''}`;
    let state = this.cache.get<SessionState>(key);
    if (!state) {
      const token = this.cache.token();
      const read = await this.sessions.state(claims.sid, claims.sub, workspaceId);
      if (!read) return null;
      this.cache.set(key, claims.sub, read, token);
      state = read;
    }
    if (state.revoked || state.expired || state.status !== 'active') return null;
    const principal: Principal = { userId: state.userId, role: state.role, sessionId: claims.sid };
    if (workspaceId) principal.workspaceAccess = { workspaceId, role: state.memberRole };
    return principal;
  }

  /**
   * Whether what admitted `principal` earlier still holds: its session open (or its API key live and
   * unexpired), its user active, and, given `workspaceId`, still a member there. Read from the
   * database, not the cache: this decides whether a long-lived stream may go on.
   */
  async stillValid(principal: Principal, workspaceId?: string): Promise<boolean> {
    if (principal.apiKeyId) {
      const key = await this.apiKeys.findCredentialById(principal.apiKeyId, workspaceId);
      if (!key || key.userId !== principal.userId || key.revokedAt || key.status !== 'active') return false;
      if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) return false;
      return !workspaceId || key.memberRole !== null;
    }
    if (!principal.sessionId) return false;
    const state = await this.sessions.state(principal.sessionId, principal.userId, workspaceId);
    if (!state || state.revoked || state.expired || state.status !== 'active') return false;
    return !workspaceId || state.memberRole !== null;
  }
}
