import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { WorkspaceMember, WorkspaceRole } from './workspace-member.entity';
import { WorkspaceMembership } from './workspace-membership';

/** A member with the user's name and email, as member lists show them. */
export interface MemberView {
  workspaceId: string;
  userId: string;
  email: string;
  fullName: string;
  role: WorkspaceRole;
  createdAt: Date;
  updatedAt: Date;
}

export const MEMBER_SORT_FIELDS = ['email', 'fullName', 'role', 'createdAt'] as const;
export type MemberSortField = (typeof MEMBER_SORT_FIELDS)[number];

const SORT_COLUMNS: Record<MemberSortField, string> = {
  email: 'u.email',
  fullName: 'u.full_name',
  role: 'm.role',
  createdAt: 'm.created_at',
};

const COLUMNS = `m.workspace_id AS "workspaceId", m.user_id AS "userId", u.email, u.full_name AS "fullName", m.role,
  m.created_at AS "createdAt", m.updated_at AS "updatedAt"`;

@Injectable()
export class WorkspaceMemberRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The caller's membership (or null): one indexed primary-key lookup, run on every scoped request. */
  async findMembership(workspaceId: string, userId: string): Promise<WorkspaceMembership | null> {
    const rows: Array<{ role: WorkspaceRole }> = await this.dataSource.query(
      'SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2',
      [workspaceId, userId],
    );
    return rows.length ? { workspaceId, userId, role: rows[0].role } : null;
  }

  async findInWorkspace(workspaceId: string, userId: string, em?: EntityManager): Promise<MemberView | null> {
    const rows: MemberView[] = await (em ?? this.dataSource.manager).query(
      `SELECT ${COLUMNS} FROM workspace_members m JOIN users u ON u.id = m.user_id
        WHERE m.workspace_id = $1 AND m.user_id = $2`,
      [workspaceId, userId],
    );
    return rows[0] ?? null;
  }

  async listInWorkspace(
    workspaceId: string,
    page: PageRequest,
    sort: SortField<MemberSortField>[],
  ): Promise<[MemberView[], number]> {
    const order = [...sort.map((s) => `${SORT_COLUMNS[s.field]} ${s.direction}`), 'm.user_id ASC'].join(', ');
    const rows: Array<MemberView & { total: string }> = await this.dataSource.query(
      `SELECT ${COLUMNS}, count(*) OVER() AS total
         FROM workspace_members m JOIN users u ON u.id = m.user_id
        WHERE m.workspace_id = $1
        ORDER BY ${order}
        LIMIT $2 OFFSET $3`,
      [workspaceId, page.pageSize, (page.page - 1) * page.pageSize],
    );
    if (rows.length || page.page === 1) return [rows, rows.length ? Number(rows[0].total) : 0];
    return [[], await this.countInWorkspace(workspaceId)];
  }

  async countInWorkspace(workspaceId: string): Promise<number> {
    return this.dataSource.getRepository(WorkspaceMember).countBy({ workspaceId });
  }

  /** Adds a member; false (and nothing changed) when the user already is one. */
  async insert(workspaceId: string, userId: string, role: WorkspaceRole, em: EntityManager): Promise<boolean> {
    const rows: unknown[] = await em.query(
      `INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING user_id`,
      [workspaceId, userId, role],
    );
    return rows.length > 0;
  }

  async updateRole(workspaceId: string, userId: string, role: WorkspaceRole, em: EntityManager): Promise<void> {
    await em.getRepository(WorkspaceMember).update({ workspaceId, userId }, { role });
  }

  async delete(workspaceId: string, userId: string, em: EntityManager): Promise<void> {
    await em.getRepository(WorkspaceMember).delete({ workspaceId, userId });
  }

  /**
   * The owners' user ids, locked (in a fixed order, so concurrent callers cannot deadlock) until the
   * transaction ends: two owners demoting each other at once cannot both succeed.
   */
  async lockOwners(workspaceId: string, em: EntityManager): Promise<string[]> {
    const rows: Array<{ user_id: string }> = await em.query(
      `SELECT user_id FROM workspace_members WHERE workspace_id = $1 AND role = 'owner' ORDER BY user_id FOR UPDATE`,
      [workspaceId],
    );
    return rows.map((r) => r.user_id);
  }
}
