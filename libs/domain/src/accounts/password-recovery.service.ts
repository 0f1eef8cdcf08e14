import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { ApiKeyRepository } from '../identity/api-key.repository';
import { AuthInvalidator } from '../identity/auth-invalidator';
import { ClientInfo } from '../identity/auth.service';
import { PasswordHasher } from '../identity/password-hasher';
import { SessionRepository } from '../identity/session.repository';
import { UserRepository } from '../identity/user.repository';
import { AccountApprovalService } from './account-approval.service';
import { AccountMails } from './account-mails';
import { AccountThrottle } from './account-throttle';
import { AccountTokenRepository } from './account-token.repository';
import { ResetTokenInvalidError } from './accounts.errors';

export interface PasswordResetResult {
  endedSessions: number;
  revokedApiKeys: number;
}

/**
 * A forgotten password: a single-use reset link by mail (PASSWORD_RESET_TTL), asked for with an
 * answer that is the same for every address; the reset ends every session and revokes the API keys.
 */
@Injectable()
export class PasswordRecoveryService {
  private readonly logger = new Logger('Accounts');

  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UserRepository,
    private readonly tokens: AccountTokenRepository,
    private readonly sessions: SessionRepository,
    private readonly apiKeys: ApiKeyRepository,
    private readonly hasher: PasswordHasher,
    private readonly mails: AccountMails,
    private readonly throttle: AccountThrottle,
    private readonly approval: AccountApprovalService,
    private readonly cache: AuthInvalidator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Mails a reset link when the address has an account that is not disabled; answers alike otherwise. */
  async forgot(emailInput: string, client: ClientInfo): Promise<void> {
    await this.throttle.request(client.ip);
    const email = emailInput.trim().toLowerCase();
    if (!(await this.throttle.mayMail('reset', email))) return;
    const user = await this.users.findByEmail(email);
    if (!user || user.status === 'disabled') return;
    const { token, row } = await this.tokens.issue(
      user.id,
      'reset_password',
      email,
      this.config.accounts.passwordResetTtlSeconds,
    );
    await this.mails.passwordReset(user, token, row.id);
    this.logger.log({ userId: user.id, ip: client.ip }, 'password reset mailed');
  }

  /** The address of the account a reset token would change, without spending it; null when it is not usable. */
  async resetFor(token: string): Promise<string | null> {
    const usable = await this.tokens.findUsable('reset_password', token);
    if (!usable) return null;
    const user = await this.users.findById(usable.userId);
    return user && user.status !== 'disabled' ? user.email : null;
  }

  /**
   * Sets a new password with a reset token (the same policy as everywhere). The token is checked, the
   * password judged, then the token spent with the change in one transaction: a refused password does
   * not use the link up. Every session ends and every API key is revoked.
   */
  async reset(token: string, password: string): Promise<PasswordResetResult> {
    const usable = await this.tokens.findUsable('reset_password', token);
    if (!usable) throw new ResetTokenInvalidError();
    const user = await this.users.findById(usable.userId);
    if (!user || user.status === 'disabled') throw new ResetTokenInvalidError();
    this.hasher.assertAcceptable(password, user.email);
    const passwordHash = await this.hasher.hash(password);
    const result = await this.dataSource.transaction(async (em) => {
      const spent = await this.tokens.spend('reset_password', token, em);
      if (!spent) throw new ResetTokenInvalidError();
      await this.tokens.spendAll(user.id, 'reset_password', em);
      // The link reached the account's mailbox: the address is proven.
      const emailVerifiedAt = user.emailVerifiedAt ?? new Date();
      await this.users.update(user.id, { passwordHash, emailVerifiedAt }, em);
      await this.approval.activateIfReady({ ...user, emailVerifiedAt }, em);
      const endedSessions = await this.sessions.revokeUserSessions(user.id, 'password reset', undefined, em);
      const revokedApiKeys = await this.apiKeys.revokeAllForUser(user.id, em);
      return { endedSessions, revokedApiKeys };
    });
    await this.cache.invalidateUser(user.id);
    await this.mails.passwordChanged(user);
    this.logger.log({ userId: user.id, ...result }, 'password reset');
    return result;
  }
}
