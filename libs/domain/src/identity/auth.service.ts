import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import {
  AccountDisabledError,
  AccountPendingError,
  InvalidCredentialsError,
  RefreshTokenInvalidError,
} from './identity.errors';
import { AuthCache } from './auth-cache';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { Principal, TokenPair } from './principal';
import { randomToken, sha256 } from './secret-tokens';
import { SessionRepository } from './session.repository';
import { TokenService } from './token.service';
import { User } from './user.entity';
import { UserRepository } from './user.repository';

export interface ClientInfo {
  ip: string;
  userAgent?: string;
}

@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly throttle: LoginThrottle,
    private readonly cache: AuthCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async login(emailInput: string, password: string, client: ClientInfo): Promise<TokenPair> {
    const email = emailInput.trim().toLowerCase();
    await this.throttle.beforeAttempt(client.ip, email);
    const user = await this.users.findByEmail(email);
    const ok = await this.hasher.verify(user?.passwordHash, password);
    if (!user || !ok) {
      this.logger.warn({ email, ip: client.ip }, 'failed sign-in');
      await this.throttle.onFailure(client.ip, email);
      throw new InvalidCredentialsError();
    }
    await this.throttle.onSuccess(client.ip, email);
    this.assertCanSignIn(user);
    await this.users.touchLogin(user.id);
    return this.dataSource.transaction(async (em) => {
      const expiresAt = this.refreshExpiry();
      const session = await this.sessions.createSession(
        { userId: user.id, userAgent: client.userAgent?.slice(0, 512) ?? null, ip: client.ip, expiresAt },
        em,
      );
      return this.issue(user.id, session.id, expiresAt, em);
    });
  }

  /**
   * Spends a refresh token and issues a new pair in the same session. A token that was already
   * spent means it leaked (or a client raced itself): the whole session is revoked.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const hash = sha256(refreshToken);
    const result = await this.dataSource.transaction(async (em) => {
      const spent = await this.sessions.spend(hash, em);
      if (!spent) return null;
      const { token, session } = spent;
      if (session.revokedAt) throw new RefreshTokenInvalidError('the session was ended');
      if (token.expiresAt < new Date()) throw new RefreshTokenInvalidError('it has expired');
      const user = await this.users.findById(token.userId, em);
      if (!user) throw new RefreshTokenInvalidError('the user no longer exists');
      this.assertCanSignIn(user);
      return this.issue(user.id, session.id, this.refreshExpiry(), em);
    });
    if (result) return result;
    const reused = await this.sessions.findTokenByHash(hash);
    if (reused) {
      await this.sessions.revokeSession(reused.sessionId, 'refresh token reused');
      await this.cache.invalidateUser(reused.userId);
      this.logger.warn({ sessionId: reused.sessionId, userId: reused.userId }, 'refresh token reuse: session revoked');
      throw new RefreshTokenInvalidError('it was already used, so its session has been revoked');
    }
    throw new RefreshTokenInvalidError('it is unknown');
  }

  async logout(principal: Principal): Promise<void> {
    if (!principal.sessionId) return;
    await this.sessions.revokeSession(principal.sessionId, 'logout');
    await this.cache.invalidateUser(principal.userId);
  }

  private assertCanSignIn(user: User): void {
    if (user.status === 'pending') {
      const unverified = this.config.accounts.approvalFlow !== 'admin' && !user.emailVerifiedAt;
      throw new AccountPendingError(
        unverified
          ? 'This account waits for its email address to be confirmed: follow the link in the mail (a new one: POST /api/v1/auth/verify-email/resend)'
          : undefined,
      );
    }
    if (user.status === 'disabled') throw new AccountDisabledError();
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.config.auth.refreshTtlSeconds * 1000);
  }

  private async issue(
    userId: string,
    sessionId: string,
    expiresAt: Date,
    em: import('typeorm').EntityManager,
  ): Promise<TokenPair> {
    const refreshToken = randomToken(32);
    await this.sessions.addRefreshToken({ sessionId, userId, tokenHash: sha256(refreshToken), expiresAt }, em);
    return {
      accessToken: this.tokens.signAccess(userId, sessionId),
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.tokens.accessTtlSeconds,
    };
  }
}
