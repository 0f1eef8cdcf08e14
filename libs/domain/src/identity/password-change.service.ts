import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiKeyRepository } from './api-key.repository';
import { AuthInvalidator } from './auth-invalidator';
import type { ClientInfo } from './auth.service';
import { InvalidCredentialsError, SessionRequiredError, UserNotFoundError } from './identity.errors';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { Principal } from './principal';
import { SessionRepository } from './session.repository';
import { UserRepository } from './user.repository';

export interface PasswordChangeInput {
  currentPassword: string;
  newPassword: string;
  /** revoke every API key of the user too (default true): a key minted by whoever knew the old password dies with it */
  revokeApiKeys?: boolean;
}

export interface PasswordChangeResult {
  /** the user's other sessions that were ended */
  endedSessions: number;
  /** the user's API keys that were revoked (0 when revokeApiKeys was false) */
  revokedApiKeys: number;
}

/**
 * A user changing their own password. Only from a signed-in session: an API key (which can be
 * leaked, or minted by an intruder) may not guess or replace the password. A wrong current password
 * counts toward the same lockout as a failed sign-in from that address.
 */
@Injectable()
export class PasswordChangeService {
  private readonly logger = new Logger('Users');

  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly apiKeys: ApiKeyRepository,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly cache: AuthInvalidator,
  ) {}

  async change(principal: Principal, input: PasswordChangeInput, client: ClientInfo): Promise<PasswordChangeResult> {
    if (principal.apiKeyId || !principal.sessionId) throw new SessionRequiredError('Changing the password');
    const user = await this.users.findById(principal.userId);
    if (!user) throw new UserNotFoundError(principal.userId);
    await this.throttle.beforeAttempt(client.ip, user.email);
    if (!(await this.hasher.verify(user.passwordHash, input.currentPassword))) {
      this.logger.warn({ userId: user.id, ip: client.ip }, 'wrong current password on a password change');
      await this.throttle.onFailure(client.ip, user.email);
      throw new InvalidCredentialsError('The current password is wrong');
    }
    await this.throttle.onSuccess(client.ip, user.email);
    this.hasher.assertAcceptable(input.newPassword, user.email);
    const passwordHash = await this.hasher.hash(input.newPassword);
    const revokeKeys = input.revokeApiKeys ?? true;
    const sessionId = principal.sessionId;
    const result = await this.dataSource.transaction(async (em) => {
      await this.users.update(user.id, { passwordHash }, em);
      const endedSessions = await this.sessions.revokeUserSessions(user.id, 'password changed', sessionId, em);
      const revokedApiKeys = revokeKeys ? await this.apiKeys.revokeAllForUser(user.id, em) : 0;
      return { endedSessions, revokedApiKeys };
    });
    await this.cache.invalidateUser(user.id);
    this.logger.log({ userId: user.id, ...result }, 'password changed');
    return result;
  }
}
