import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull, LessThan } from 'typeorm';
import { WorkspaceRole } from '../workspaces/workspace-member.entity';
import { PlatformRole, UserStatus } from './user.entity';
import { RefreshToken } from './refresh-token.entity';
import { Session } from './session.entity';

export interface SessionState {
  userId: string;
  role: PlatformRole;
  status: UserStatus;
  revoked: boolean;
  expired: boolean;
  /** role in the workspace asked about; null when not a member or none was asked about */
  memberRole: WorkspaceRole | null;
}

export interface SpendResult {
  token: RefreshToken;
  session: Session;
}

/** Sessions and their refresh-token families. */
@Injectable()
export class SessionRepository {
  constructor(private readonly dataSource: DataSource) {}

  async createSession(
    data: Pick<Session, 'userId' | 'userAgent' | 'ip' | 'expiresAt'>,
    em: EntityManager,
  ): Promise<Session> {
    const repo = em.getRepository(Session);
    return repo.save(repo.create({ ...data, revokedAt: null, revokedReason: null }));
  }

  async addRefreshToken(
    data: Pick<RefreshToken, 'sessionId' | 'userId' | 'tokenHash' | 'expiresAt'>,
    em: EntityManager,
  ): Promise<void> {
    await em.getRepository(RefreshToken).insert({ ...data, usedAt: null });
    await em.getRepository(Session).update({ id: data.sessionId }, { expiresAt: data.expiresAt });
  }

  /**
   * Marks the token used if it was unused, in one statement, so two concurrent refreshes cannot
   * both succeed. Returns null when no unused token has that hash.
   */
  async spend(tokenHash: string, em: EntityManager): Promise<SpendResult | null> {
    const result = await em
      .createQueryBuilder()
      .update(RefreshToken)
      .set({ usedAt: () => 'now()' })
      .where('token_hash = :tokenHash AND used_at IS NULL', { tokenHash })
      .returning(['id'])
      .execute();
    const rows = result.raw as Array<{ id: string }>;
    if (!rows.length) return null;
    const token = await em.getRepository(RefreshToken).findOneByOrFail({ id: rows[0].id });
    const session = await em.getRepository(Session).findOneByOrFail({ id: token.sessionId });
    return { token, session };
  }

  findTokenByHash(tokenHash: string): Promise<RefreshToken | null> {
    return this.dataSource.getRepository(RefreshToken).findOneBy({ tokenHash });
  }

  async revokeSession(sessionId: string, reason: string, em?: EntityManager): Promise<void> {
    await (em ?? this.dataSource.manager)
      .getRepository(Session)
      .update({ id: sessionId, revokedAt: IsNull() }, { revokedAt: new Date(), revokedReason: reason });
  }

  /**
   * Ends every open session of a user, except one (the caller's own when changing a password).
   * Answers how many it ended.
   */
  async revokeUserSessions(
    userId: string,
    reason: string,
    exceptSessionId?: string,
    em?: EntityManager,
  ): Promise<number> {
    // TypeORM answers a raw UPDATE with [rows, affected count].
    const [, ended] = (await (em ?? this.dataSource.manager).query(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
        WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() AND ($3::uuid IS NULL OR id <> $3::uuid)`,
      [userId, reason, exceptSessionId ?? null],
    )) as [unknown[], number];
    return ended;
  }

  /**
   * The user and session behind an access token, in one query (this runs on every request), plus
   * the user's role in `workspaceId` when the request addresses a workspace.
   */
  async state(sessionId: string, userId: string, workspaceId?: string): Promise<SessionState | null> {
    const rows: Array<{
      role: PlatformRole;
      status: UserStatus;
      revoked: boolean;
      expired: boolean;
      memberRole: WorkspaceRole | null;
    }> = await this.dataSource.query(
      `SELECT u.role, u.status, s.revoked_at IS NOT NULL AS revoked, s.expires_at < now() AS expired,
              m.role AS "memberRole"
         FROM sessions s JOIN users u ON u.id = s.user_id
         LEFT JOIN workspace_members m ON m.user_id = s.user_id AND m.workspace_id = $3::uuid
        WHERE s.id = $1 AND s.user_id = $2`,
      [sessionId, userId, workspaceId ?? null],
    );
    return rows.length ? { userId, ...rows[0] } : null;
  }

  /** Deletes sessions (and so their tokens) that ended before `before`. Returns how many. */
  async purgeEnded(before: Date): Promise<number> {
    const result = await this.dataSource
      .getRepository(Session)
      .createQueryBuilder()
      .delete()
      .where('expires_at < :before OR (revoked_at IS NOT NULL AND revoked_at < :before)', { before })
      .execute();
    const tokens = await this.dataSource.getRepository(RefreshToken).delete({ expiresAt: LessThan(before) });
    return (result.affected ?? 0) + (tokens.affected ?? 0);
  }
}
