import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';

/** Why a schedule cannot run as its creator. */
export const CREATOR_LEFT = 'its creator is no longer a member of the workspace';
export const CREATOR_NOT_EDITOR = 'its creator is no longer an editor of the workspace';
export const CREATOR_DISABLED = "its creator's account is disabled";

/**
 * A schedule runs as its creator, who must be an active user and an editor (or owner) of its
 * workspace. Checked at every run; and when a membership changes or a user is disabled, their
 * schedules are suspended at once, in that change's transaction, with the reason (audited).
 */
@Injectable()
export class ScheduleCreatorCheck {
  private readonly logger = new Logger('Schedules');

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** Null when the creator may run the workspace's schedules; else why not. */
  async problem(workspaceId: string, userId: string, em?: EntityManager): Promise<string | null> {
    const rows: Array<{ role: string | null; status: string | null }> = await (em ?? this.dataSource.manager).query(
      `SELECT m.role, u.status FROM users u
         LEFT JOIN workspace_members m ON m.user_id = u.id AND m.workspace_id = $1
        WHERE u.id = $2`,
      [workspaceId, userId],
    );
    const row = rows[0];
    if (!row || row.status === 'disabled') return row ? CREATOR_DISABLED : CREATOR_LEFT;
    if (!row.role) return CREATOR_LEFT;
    if (row.role === 'viewer') return CREATOR_NOT_EDITOR;
    return null;
  }

  /**
   * Suspends the active schedules `userId` created (in `workspaceId`, or in every workspace), giving
   * `reason`; answers how many. Their job schedulers go at the next reconciliation, and a tick that
   * comes first finds the schedule suspended and does nothing.
   */
  async suspendFor(
    em: EntityManager,
    userId: string,
    workspaceId: string | null,
    reason: string,
    actor: Actor,
  ): Promise<number> {
    const result: [Array<{ id: string; workspaceId: string }>, number] = await em.query(
      `UPDATE schedules SET suspended_reason = $3, suspended_at = now(), updated_at = now()
        WHERE created_by = $1 AND ($2::uuid IS NULL OR workspace_id = $2) AND suspended_reason IS NULL
        RETURNING id, workspace_id AS "workspaceId"`,
      [userId, workspaceId, reason],
    );
    const rows = result[0];
    for (const row of rows) {
      await this.audit.record(em, row.workspaceId, actor, {
        action: 'update',
        entityType: 'schedule',
        entityId: row.id,
        changes: { status: { to: 'suspended' }, suspendedReason: { to: reason } },
      });
    }
    if (rows.length) this.logger.log(`${rows.length} schedule(s) of user ${userId} suspended: ${reason}`);
    return rows.length;
  }
}
