import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { isUniqueViolation } from '@labwire/database';
import { PlatformRole, User, UserStatus } from './user.entity';

export interface UserFilter {
  status?: UserStatus;
  role?: PlatformRole;
  q?: string;
}

export const USER_SORT_FIELDS = ['email', 'fullName', 'createdAt', 'status', 'role'] as const;
export type UserSortField = (typeof USER_SORT_FIELDS)[number];

@Injectable()
export class UserRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(User);
  }

  findById(id: string, em?: EntityManager): Promise<User | null> {
    return this.repo(em).findOneBy({ id });
  }

  findByEmail(email: string, em?: EntityManager): Promise<User | null> {
    return this.repo(em).findOneBy({ email: email.toLowerCase() });
  }

  findByIds(ids: string[]): Promise<User[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.repo().createQueryBuilder('u').where('u.id = ANY(:ids)', { ids }).getMany();
  }

  /** Inserts a user; throws EmailInUse when the (lower-cased) email exists. */
  async insert(
    data: Pick<User, 'email' | 'fullName' | 'role' | 'status' | 'passwordHash'> &
      Partial<Pick<User, 'emailVerifiedAt' | 'approvedAt'>>,
    em?: EntityManager,
  ): Promise<User> {
    const repo = this.repo(em);
    try {
      return await repo.save(repo.create({ ...data, email: data.email.toLowerCase() }));
    } catch (err) {
      if (isUniqueViolation(err)) throw new EmailInUse();
      throw err;
    }
  }

  async list(filter: UserFilter, page: PageRequest, sort: SortField<UserSortField>[]): Promise<[User[], number]> {
    const qb = this.repo().createQueryBuilder('u');
    if (filter.status) qb.andWhere('u.status = :status', { status: filter.status });
    if (filter.role) qb.andWhere('u.role = :role', { role: filter.role });
    if (filter.q) qb.andWhere('(u.email ILIKE :q OR u.full_name ILIKE :q)', { q: `%${escapeLike(filter.q)}%` });
    for (const s of sort) qb.addOrderBy(`u.${s.field}`, s.direction);
    qb.addOrderBy('u.id', 'ASC');
    return qb
      .skip((page.page - 1) * page.pageSize)
      .take(page.pageSize)
      .getManyAndCount();
  }

  /** Active administrators (whom a user waiting for approval is announced to). */
  listActiveAdmins(): Promise<User[]> {
    return this.repo().find({ where: { role: 'admin', status: 'active' }, order: { createdAt: 'ASC' } });
  }

  /** Changes fields; throws EmailInUse when a new email is taken. */
  async update(
    id: string,
    patch: Partial<
      Pick<User, 'role' | 'status' | 'fullName' | 'passwordHash' | 'email' | 'emailVerifiedAt' | 'approvedAt'>
    >,
    em?: EntityManager,
  ) {
    try {
      await this.repo(em).update({ id }, patch);
    } catch (err) {
      if (isUniqueViolation(err)) throw new EmailInUse();
      throw err;
    }
  }

  async touchLogin(id: string): Promise<void> {
    await this.repo().update({ id }, { lastLoginAt: new Date() });
  }

  count(): Promise<number> {
    return this.repo().count();
  }

  /** Active admins other than `exceptId`, locked so two concurrent demotions cannot both pass. */
  async countOtherActiveAdmins(exceptId: string, em: EntityManager): Promise<number> {
    const rows: Array<{ id: string }> = await em.query(
      `SELECT id FROM users WHERE role = 'admin' AND status = 'active' AND id <> $1 FOR UPDATE`,
      [exceptId],
    );
    return rows.length;
  }
}

/** Raised by insert when the email exists; the service turns it into EmailTakenError. */
export class EmailInUse extends Error {}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}
