import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Page, PageRequest, SortField, toPage } from '@labwire/core';
import { CREATOR_DISABLED, ScheduleCreatorCheck } from '../schedules/schedule-creator-check';
import { AuthInvalidator } from './auth-invalidator';
import { EmailTakenError, LastAdminError, UserNotFoundError } from './identity.errors';
import { PasswordHasher } from './password-hasher';
import { Principal } from './principal';
import { SessionRepository } from './session.repository';
import { PlatformRole, User, UserStatus } from './user.entity';
import { EmailInUse, UserFilter, UserRepository, UserSortField } from './user.repository';

export interface CreateUserInput {
  email: string;
  fullName: string;
  password: string;
  role?: PlatformRole;
  status?: UserStatus;
}

/** Users as administrators and users themselves manage them. */
@Injectable()
export class UserService {
  private readonly logger = new Logger('Users');

  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly hasher: PasswordHasher,
    private readonly cache: AuthInvalidator,
    private readonly scheduleCreators: ScheduleCreatorCheck,
  ) {}

  async create(input: CreateUserInput): Promise<User> {
    const email = input.email.trim().toLowerCase();
    this.hasher.assertAcceptable(input.password, email);
    try {
      return await this.users.insert({
        email,
        fullName: input.fullName.trim(),
        role: input.role ?? 'user',
        status: input.status ?? 'active',
        passwordHash: await this.hasher.hash(input.password),
      });
    } catch (err) {
      if (err instanceof EmailInUse) throw new EmailTakenError(email);
      throw err;
    }
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new UserNotFoundError(id);
    return user;
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findByEmail(email);
  }

  count(): Promise<number> {
    return this.users.count();
  }

  async list(filter: UserFilter, page: PageRequest, sort: SortField<UserSortField>[]): Promise<Page<User>> {
    const [items, total] = await this.users.list(filter, page, sort);
    return toPage(items, total, page);
  }

  /**
   * Changes role, status or name. Disabling ends the user's sessions; the last active admin can be
   * neither demoted nor disabled, so the platform always has someone to manage it.
   */
  async update(
    id: string,
    patch: { role?: PlatformRole; status?: UserStatus; fullName?: string },
    actor: Principal,
  ): Promise<User> {
    await this.dataSource.transaction(async (em) => {
      const user = await this.users.findById(id, em);
      if (!user) throw new UserNotFoundError(id);
      const losesAdmin =
        user.role === 'admin' &&
        user.status === 'active' &&
        ((patch.role && patch.role !== 'admin') || (patch.status && patch.status !== 'active'));
      if (losesAdmin && (await this.users.countOtherActiveAdmins(id, em)) === 0) throw new LastAdminError();
      await this.users.update(id, patch, em);
      if (patch.status === 'disabled') {
        await this.sessions.revokeUserSessions(id, 'user disabled', undefined, em);
        await this.scheduleCreators.suspendFor(em, id, null, CREATOR_DISABLED, { userId: actor.userId });
      }
    });
    await this.cache.invalidateUser(id);
    this.logger.log({ userId: id, actorId: actor.userId, patch }, 'user updated');
    return this.get(id);
  }

  /** Sets a password without knowing the old one (CLI and admin bootstrap). */
  async setPassword(userId: string, newPassword: string): Promise<void> {
    const user = await this.get(userId);
    this.hasher.assertAcceptable(newPassword, user.email);
    await this.users.update(userId, { passwordHash: await this.hasher.hash(newPassword) });
    await this.sessions.revokeUserSessions(userId, 'password reset');
    await this.cache.invalidateUser(userId);
  }
}
