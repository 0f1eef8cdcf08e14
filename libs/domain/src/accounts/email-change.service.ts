import { Injectable, Logger } from '@nestjs/common';
import { ValidationError } from '@labwire/core';
import { ClientInfo } from '../identity/auth.service';
import { InvalidCredentialsError, SessionRequiredError, UserNotFoundError } from '../identity/identity.errors';
import { LoginThrottle } from '../identity/login-throttle';
import { PasswordHasher } from '../identity/password-hasher';
import { Principal } from '../identity/principal';
import { UserRepository } from '../identity/user.repository';
import { AccountMails } from './account-mails';
import { AccountThrottle } from './account-throttle';
import { RegistrationService } from './registration.service';

/**
 * A user moving their account to another address: confirmed with the current password, it takes
 * effect only once the new address is verified (POST /auth/verify-email with the mailed token). The
 * answer is the same whether the new address is free or taken (its owner is told, not the caller).
 */
@Injectable()
export class EmailChangeService {
  private readonly logger = new Logger('Accounts');

  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly loginThrottle: LoginThrottle,
    private readonly throttle: AccountThrottle,
    private readonly registration: RegistrationService,
    private readonly mails: AccountMails,
  ) {}

  async request(principal: Principal, newEmail: string, currentPassword: string, client: ClientInfo): Promise<void> {
    if (principal.apiKeyId || !principal.sessionId) throw new SessionRequiredError('Changing the email address');
    const user = await this.users.findById(principal.userId);
    if (!user) throw new UserNotFoundError(principal.userId);
    await this.loginThrottle.beforeAttempt(client.ip, user.email);
    if (!(await this.hasher.verify(user.passwordHash, currentPassword))) {
      await this.loginThrottle.onFailure(client.ip, user.email);
      throw new InvalidCredentialsError('The current password is wrong');
    }
    await this.loginThrottle.onSuccess(client.ip, user.email);
    const email = newEmail.trim().toLowerCase();
    if (email === user.email) {
      throw new ValidationError('This is already your email address', [
        { field: 'email', message: 'the same as the current address' },
      ]);
    }
    await this.throttle.request(client.ip);
    if (!(await this.throttle.mayMail('verify', email))) return;
    const owner = await this.users.findByEmail(email);
    if (owner) {
      await this.mails.accountExists(owner);
      this.logger.log({ userId: user.id }, 'email change to a taken address: its owner was mailed');
      return;
    }
    await this.registration.sendVerification(user, email);
    this.logger.log({ userId: user.id }, 'email change requested: verification mailed to the new address');
  }
}
