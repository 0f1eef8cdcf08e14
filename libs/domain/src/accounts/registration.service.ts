import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { AuthInvalidator } from '../identity/auth-invalidator';
import { ClientInfo } from '../identity/auth.service';
import { EmailTakenError, RegistrationClosedError } from '../identity/identity.errors';
import { PasswordHasher } from '../identity/password-hasher';
import { User } from '../identity/user.entity';
import { EmailInUse, UserRepository } from '../identity/user.repository';
import { AccountApprovalService } from './account-approval.service';
import { AccountMails } from './account-mails';
import { AccountThrottle } from './account-throttle';
import { AccountTokenRepository } from './account-token.repository';
import { EmailTokenInvalidError } from './accounts.errors';

export interface RegistrationInput {
  email: string;
  password: string;
  fullName: string;
}

/**
 * What registering answered. `created`: the admin flow (the account exists, pending). `accepted`: an
 * email flow, the same whether the address was new or taken (its owner gets a mail either way).
 */
export type RegistrationOutcome = { kind: 'created'; user: User } | { kind: 'accepted'; email: string };

export interface VerifiedEmail {
  email: string;
  /** the account's status after the verification */
  status: User['status'];
}

/**
 * How accounts become active (USERS_APPROVAL_FLOW): `admin` approval, `email` verification, or both.
 * Verification tokens are single-use, stored hashed, expire after EMAIL_TOKEN_TTL; a verification of a
 * changed email moves the account to its new address.
 */
@Injectable()
export class RegistrationService {
  private readonly logger = new Logger('Accounts');

  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UserRepository,
    private readonly tokens: AccountTokenRepository,
    private readonly hasher: PasswordHasher,
    private readonly mails: AccountMails,
    private readonly throttle: AccountThrottle,
    private readonly approval: AccountApprovalService,
    private readonly cache: AuthInvalidator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get flow() {
    return this.config.accounts.approvalFlow;
  }

  private get needsEmail(): boolean {
    return this.flow !== 'admin';
  }

  async register(input: RegistrationInput, client: ClientInfo): Promise<RegistrationOutcome> {
    if (!this.config.auth.openRegistration) throw new RegistrationClosedError();
    await this.throttle.request(client.ip);
    const email = input.email.trim().toLowerCase();
    this.hasher.assertAcceptable(input.password, email);
    // Hashed before looking the address up, so a taken address answers no faster than a new one.
    const passwordHash = await this.hasher.hash(input.password);
    let user: User;
    try {
      user = await this.users.insert({
        email,
        fullName: input.fullName.trim(),
        role: 'user',
        status: 'pending',
        passwordHash,
      });
    } catch (err) {
      if (!(err instanceof EmailInUse)) throw err;
      if (!this.needsEmail) throw new EmailTakenError(email);
      const owner = await this.users.findByEmail(email);
      if (owner && (await this.throttle.mayMail('exists', email))) await this.mails.accountExists(owner);
      this.logger.log({ ip: client.ip }, 'registration with a taken address: its owner was mailed');
      return { kind: 'accepted', email };
    }
    this.logger.log({ userId: user.id, flow: this.flow }, 'user registered');
    if (!this.needsEmail) {
      await this.mails.approvalRequested(user);
      return { kind: 'created', user };
    }
    await this.sendVerification(user, email);
    return { kind: 'accepted', email };
  }

  /** A new verification link for a pending, unverified account; answers alike for any address. */
  async resendVerification(emailInput: string, client: ClientInfo): Promise<void> {
    await this.throttle.request(client.ip);
    const email = emailInput.trim().toLowerCase();
    const user = await this.users.findByEmail(email);
    if (!user || user.status !== 'pending' || user.emailVerifiedAt) return;
    if (!(await this.throttle.mayMail('verify', email))) return;
    await this.sendVerification(user, email);
  }

  /** Issues a verification token for `email` (the account's address, or the new one it changes to) and mails it. */
  async sendVerification(user: User, email: string, em?: EntityManager): Promise<void> {
    const { token, row } = await this.tokens.issue(
      user.id,
      'verify_email',
      email,
      this.config.accounts.emailTokenTtlSeconds,
      em,
    );
    await this.mails.verifyEmail(user, email, token, row.id);
  }

  /** The address a verification token would verify, without spending it; null when it is not usable. */
  async verificationFor(token: string): Promise<string | null> {
    return (await this.tokens.findUsable('verify_email', token))?.email ?? null;
  }

  /**
   * Spends a verification token: the address is verified (a changed email takes effect) and a pending
   * account becomes active if its flow allows, or waits for an administrator, who is mailed.
   */
  async verifyEmail(token: string): Promise<VerifiedEmail> {
    const result = await this.dataSource.transaction(async (em) => {
      const spent = await this.tokens.spend('verify_email', token, em);
      if (!spent) throw new EmailTokenInvalidError();
      const user = await this.users.findById(spent.userId, em);
      if (!user) throw new EmailTokenInvalidError();
      const changed = user.email !== spent.email;
      try {
        await this.users.update(user.id, { email: spent.email, emailVerifiedAt: new Date() }, em);
      } catch (err) {
        if (err instanceof EmailInUse) throw new EmailTakenError(spent.email);
        throw err;
      }
      const status = await this.approval.activateIfReady({ ...user, emailVerifiedAt: new Date() }, em);
      return { user, changed, email: spent.email, status };
    });
    await this.cache.invalidateUser(result.user.id);
    this.logger.log({ userId: result.user.id, changed: result.changed, status: result.status }, 'email verified');
    // email+admin: the administrators hear of an account once its owner has proven the address
    const after = await this.users.findById(result.user.id);
    if (after && result.status === 'pending' && this.flow === 'email+admin' && !after.approvedAt) {
      await this.mails.approvalRequested(after);
    }
    return { email: result.email, status: result.status };
  }
}
