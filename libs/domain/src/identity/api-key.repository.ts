import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { ApiKey } from './api-key.entity';
import { WorkspaceRole } from '../workspaces/workspace-member.entity';
import { PlatformRole, UserStatus } from './user.entity';

export interface ApiKeyCredential {
  id: string;
  userId: string;
  keyHash: string;
  revokedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  role: PlatformRole;
  status: UserStatus;
  memberRole: WorkspaceRole | null;
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

  /**
   * What authenticating a key needs, in one query: the key, its owner's role and status, and the
   * owner's role in `workspaceId` when the request addresses a workspace.
   */
  findForAuthentication(prefix: string, workspaceId?: string): Promise<ApiKeyCredential | null> {
    return this.credential('k.prefix = $1', prefix, workspaceId);
  }

  /** The same, by the key's id: to check again that a key admitted earlier still holds. */
  findCredentialById(id: string, workspaceId?: string): Promise<ApiKeyCredential | null> {
    return this.credential('k.id = $1', id, workspaceId);
  }

  private async credential(where: string, value: string, workspaceId?: string): Promise<ApiKeyCredential | null> {
    const rows: ApiKeyCredential[] = await this.dataSource.query(
      `SELECT k.id, k.user_id AS "userId", k.key_hash AS "keyHash", k.revoked_at AS "revokedAt",
              k.expires_at AS "expiresAt", k.last_used_at AS "lastUsedAt", u.role, u.status,
              m.role AS "memberRole"
         FROM api_keys k JOIN users u ON u.id = k.user_id
         LEFT JOIN workspace_members m ON m.user_id = k.user_id AND m.workspace_id = $2::uuid
        WHERE ${where}`,
      [value, workspaceId ?? null],
    );
    return rows[0] ?? null;
  }

  async revoke(userId: string, id: string): Promise<boolean> {
    const result = await this.repo.update({ userId, id, revokedAt: IsNull() }, { revokedAt: new Date() });
    return (result.affected ?? 0) > 0;
  }

  /** Revokes every live key of the user; answers how many it revoked. */
  async revokeAllForUser(userId: string, em?: EntityManager): Promise<number> {
    const result = await (em ?? this.dataSource.manager)
      .getRepository(ApiKey)
      .update({ userId, revokedAt: IsNull() }, { revokedAt: new Date() });
    return result.affected ?? 0;
  }

  /** Records use (the caller skips it when the last record is under a minute old). */
  async touch(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE api_keys SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}
