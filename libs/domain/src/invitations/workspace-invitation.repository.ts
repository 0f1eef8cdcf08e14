import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest } from '@labwire/core';
import { isUniqueViolation } from '@labwire/database';
import { sha256 } from '../identity/secret-tokens';
import type { WorkspaceRole } from '../workspaces/workspace-member.entity';
import { InvitationStatus, WorkspaceInvitation } from './workspace-invitation.entity';

/** An invitation with its workspace's name and its inviter's name, as lists show it. */
export interface InvitationView {
  id: string;
  workspaceId: string;
  workspaceName: string;
  email: string;
  role: WorkspaceRole;
  status: InvitationStatus;
  expiresAt: Date;
  invitedBy: string | null;
  inviterName: string | null;
  respondedAt: Date | null;
  acceptedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const VIEW = `SELECT i.id, i.workspace_id AS "workspaceId", w.name AS "workspaceName", i.email, i.role, i.status,
    i.expires_at AS "expiresAt", i.invited_by AS "invitedBy", u.full_name AS "inviterName",
    i.responded_at AS "respondedAt", i.accepted_by AS "acceptedBy", i.created_at AS "createdAt",
    i.updated_at AS "updatedAt"
  FROM workspace_invitations i JOIN workspaces w ON w.id = i.workspace_id LEFT JOIN users u ON u.id = i.invited_by`;

/** Raised by insertPending when the workspace has a pending invitation for the address already. */
export class PendingInvitationExists extends Error {}

@Injectable()
export class WorkspaceInvitationRepository {
  constructor(private readonly dataSource: DataSource) {}

  private manager(em?: EntityManager): EntityManager {
    return em ?? this.dataSource.manager;
  }

  async findInWorkspace(workspaceId: string, id: string, em?: EntityManager): Promise<InvitationView | null> {
    const rows: InvitationView[] = await this.manager(em).query(`${VIEW} WHERE i.workspace_id = $1 AND i.id = $2`, [
      workspaceId,
      id,
    ]);
    return rows[0] ?? null;
  }

  /** The pending invitation of `email` to the workspace (expired or not), locked for the change. */
  async lockPending(workspaceId: string, email: string, em: EntityManager): Promise<WorkspaceInvitation | null> {
    return em
      .getRepository(WorkspaceInvitation)
      .createQueryBuilder('i')
      .setLock('pessimistic_write')
      .where(`i.workspace_id = :workspaceId AND i.email = :email AND i.status = 'pending'`, { workspaceId, email })
      .getOne();
  }

  async lockInWorkspace(workspaceId: string, id: string, em: EntityManager): Promise<WorkspaceInvitation | null> {
    return em
      .getRepository(WorkspaceInvitation)
      .createQueryBuilder('i')
      .setLock('pessimistic_write')
      .where('i.workspace_id = :workspaceId AND i.id = :id', { workspaceId, id })
      .getOne();
  }

  async lockById(id: string, em: EntityManager): Promise<WorkspaceInvitation | null> {
    return em
      .getRepository(WorkspaceInvitation)
      .createQueryBuilder('i')
      .setLock('pessimistic_write')
      .where('i.id = :id', { id })
      .getOne();
  }

  async insertPending(
    data: Pick<WorkspaceInvitation, 'workspaceId' | 'email' | 'role' | 'invitedBy' | 'expiresAt'> & { token: string },
    em: EntityManager,
  ): Promise<WorkspaceInvitation> {
    const repo = em.getRepository(WorkspaceInvitation);
    try {
      return await repo.save(
        repo.create({
          workspaceId: data.workspaceId,
          email: data.email,
          role: data.role,
          invitedBy: data.invitedBy,
          expiresAt: data.expiresAt,
          tokenHash: sha256(data.token),
          status: 'pending',
          respondedAt: null,
          acceptedBy: null,
        }),
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw new PendingInvitationExists();
      throw err;
    }
  }

  /** A pending invitation renewed (re-sent): a new token and expiry, the old link stops working. */
  async renew(
    workspaceId: string,
    id: string,
    patch: { token: string; expiresAt: Date; role?: WorkspaceRole; invitedBy?: string },
    em: EntityManager,
  ): Promise<void> {
    await em.getRepository(WorkspaceInvitation).update(
      { workspaceId, id },
      {
        tokenHash: sha256(patch.token),
        expiresAt: patch.expiresAt,
        ...(patch.role && { role: patch.role }),
        ...(patch.invitedBy && { invitedBy: patch.invitedBy }),
      },
    );
  }

  async setStatus(
    workspaceId: string,
    id: string,
    status: Exclude<InvitationStatus, 'pending'>,
    acceptedBy: string | null,
    em: EntityManager,
  ): Promise<void> {
    await em
      .getRepository(WorkspaceInvitation)
      .update({ workspaceId, id }, { status, respondedAt: new Date(), acceptedBy });
  }

  async listInWorkspace(
    workspaceId: string,
    status: InvitationStatus | undefined,
    page: PageRequest,
  ): Promise<[InvitationView[], number]> {
    const params: unknown[] = [workspaceId];
    let where = 'WHERE i.workspace_id = $1';
    if (status) {
      params.push(status);
      where += ` AND i.status = $${params.length}`;
    }
    const rows: Array<InvitationView & { total: string }> = await this.dataSource.query(
      `${VIEW.replace('SELECT ', 'SELECT count(*) OVER() AS total, ')} ${where}
        ORDER BY i.created_at DESC, i.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, page.pageSize, (page.page - 1) * page.pageSize],
    );
    return [rows.map(({ total: _total, ...r }) => r), rows.length ? Number(rows[0].total) : 0];
  }

  /** Pending, unexpired invitations of an address (what its owner sees). */
  listOpenForEmail(email: string): Promise<InvitationView[]> {
    return this.dataSource.query(
      `${VIEW} WHERE i.email = $1 AND i.status = 'pending' AND i.expires_at > now() ORDER BY i.created_at DESC`,
      [email],
    );
  }

  /** The pending, unexpired invitation with this token, as lists show it (its link's page shows it). */
  async findOpenByToken(token: string): Promise<InvitationView | null> {
    const rows: InvitationView[] = await this.dataSource.query(
      `${VIEW} WHERE i.token_hash = $1 AND i.status = 'pending' AND i.expires_at > now()`,
      [sha256(token)],
    );
    return rows[0] ?? null;
  }

  /** The pending, unexpired invitation with this token, locked (registering with it spends it). */
  async lockOpenByToken(token: string, em: EntityManager): Promise<WorkspaceInvitation | null> {
    return em
      .getRepository(WorkspaceInvitation)
      .createQueryBuilder('i')
      .setLock('pessimistic_write')
      .where(`i.token_hash = :hash AND i.status = 'pending' AND i.expires_at > now()`, { hash: sha256(token) })
      .getOne();
  }

  /** Whether a user with this email is a member of the workspace. */
  async isMemberByEmail(workspaceId: string, email: string, em?: EntityManager): Promise<boolean> {
    const rows: unknown[] = await this.manager(em).query(
      `SELECT 1 FROM workspace_members m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 AND u.email = $2`,
      [workspaceId, email],
    );
    return rows.length > 0;
  }
}
