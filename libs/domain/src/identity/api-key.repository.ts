import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { ApiKey } from './api-key.entity';
import { PlatformRole, UserStatus } from './user.entity';

export interface ApiKeyWithOwner {
  key: ApiKey;
  role: PlatformRole;
  status: UserStatus;
}

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(ApiKey);
  }

  insert(data: Pick<ApiKey, 'userId' | 'name' | 'prefix' | 'keyHash' | 'expiresAt'>): Promise<ApiKey> {
    return this.repo.save(this.repo.create({ ...data, lastUsedAt: null, revokedAt: null }));
  }

  listForUser(userId: string): Promise<ApiKey[]> {
    return this.repo.find({ where: { userId }, order: { createdAt: 'DESC' } });
  }

  findForUser(userId: string, id: string): Promise<ApiKey | null> {
    return this.repo.findOneBy({ userId, id });
  }

  async findByPrefixWithOwner(prefix: string): Promise<ApiKeyWithOwner | null> {
    const key = await this.repo.findOneBy({ prefix });
    if (!key) return null;
    const rows: Array<{ role: PlatformRole; status: UserStatus }> = await this.dataSource.query(
      'SELECT role, status FROM users WHERE id = $1',
      [key.userId],
    );
    return rows.length ? { key, ...rows[0] } : null;
  }

  async revoke(userId: string, id: string): Promise<boolean> {
    const result = await this.repo.update({ userId, id, revokedAt: IsNull() }, { revokedAt: new Date() });
    return (result.affected ?? 0) > 0;
  }

  /** Records use at most once a minute per key, so busy clients do not write on every request. */
  async touch(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE api_keys SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}
