import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { AuthInvalidator } from '../identity/auth-invalidator';
import { UserNotFoundError } from '../identity/identity.errors';
import { Principal } from '../identity/principal';
import { User } from '../identity/user.entity';
import { UserRepository } from '../identity/user.repository';
import { AccountMails } from './account-mails';

/**
 * When a pending account becomes active under USERS_APPROVAL_FLOW: `admin` approval, a verified
 * `email`, or both (`email+admin`). Used by the api, the CLI (user:approve) and the flows that verify
 * an address (verification, reset and invitation links).
 */
@Injectable()
export class AccountApprovalService {
  private readonly logger = new Logger('Accounts');

  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UserRepository,
    private readonly mails: AccountMails,
    private readonly cache: AuthInvalidator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get flow() {
    return this.config.accounts.approvalFlow;
  }

  /**
   * An administrator approves a pending account. It becomes active unless the flow (email+admin) still
   * waits for its email verification; the user is mailed once it is active. Idempotent.
   */
  async approve(userId: string, actor: Principal): Promise<User> {
    const activated = await this.dataSource.transaction(async (em) => {
      const user = await this.users.findById(userId, em);
      if (!user) throw new UserNotFoundError(userId);
      if (user.status !== 'pending') return false;
      const approvedAt = user.approvedAt ?? new Date();
      if (!user.approvedAt) await this.users.update(userId, { approvedAt }, em);
      return (await this.activateIfReady({ ...user, approvedAt }, em)) === 'active';
    });
    await this.cache.invalidateUser(userId);
    const user = await this.users.findById(userId);
    if (!user) throw new UserNotFoundError(userId);
    this.logger.log({ userId, actorId: actor.userId, activated }, 'user approved');
    if (activated) await this.mails.accountApproved(user);
    return user;
  }

  /**
   * Makes a pending account active when its flow's conditions hold (approval for `admin`, a verified
   * email for `email`, both for `email+admin`). Answers the status it has now.
   */
  async activateIfReady(
    user: Pick<User, 'id' | 'status' | 'emailVerifiedAt' | 'approvedAt'>,
    em: EntityManager,
  ): Promise<User['status']> {
    if (user.status !== 'pending') return user.status;
    const verified = !!user.emailVerifiedAt;
    const approved = !!user.approvedAt;
    const ready =
      this.flow === 'admin' ? approved : this.flow === 'email' ? verified || approved : verified && approved;
    if (!ready) return 'pending';
    await this.users.update(user.id, { status: 'active' }, em);
    return 'active';
  }
}
