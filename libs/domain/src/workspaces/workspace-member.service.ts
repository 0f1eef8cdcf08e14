import { AuthInvalidator } from '../identity/auth-invalidator';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Page, PageRequest, SortField, toPage } from '@labwire/core';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { CREATOR_LEFT, CREATOR_NOT_EDITOR, ScheduleCreatorCheck } from '../schedules/schedule-creator-check';
import { WorkspaceRole } from './workspace-member.entity';
import { MemberSortField, MemberView, WorkspaceMemberRepository } from './workspace-member.repository';
import { assertWorkspaceRole, WorkspaceMembership } from './workspace-membership';
import { LastOwnerError, MemberNotFoundError } from './workspaces.errors';

/**
 * Who belongs to a workspace and with which role. Owners manage members; anyone may leave; a
 * workspace always keeps at least one owner. People join by accepting an invitation (InvitationService).
 */
@Injectable()
export class WorkspaceMemberService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly members: WorkspaceMemberRepository,
    private readonly audit: AuditService,
    private readonly authCache: AuthInvalidator,
    private readonly scheduleCreators: ScheduleCreatorCheck,
  ) {}

  async list(workspaceId: string, page: PageRequest, sort: SortField<MemberSortField>[]): Promise<Page<MemberView>> {
    const [items, total] = await this.members.listInWorkspace(workspaceId, page, sort);
    return toPage(items, total, page);
  }

  async get(workspaceId: string, userId: string): Promise<MemberView> {
    const member = await this.members.findInWorkspace(workspaceId, userId);
    if (!member) throw new MemberNotFoundError(userId);
    return member;
  }

  /** Changes a member's role (owners only); the last owner cannot be demoted. */
  async changeRole(
    membership: WorkspaceMembership,
    userId: string,
    role: WorkspaceRole,
    actor: Actor,
  ): Promise<MemberView> {
    assertWorkspaceRole(membership, 'owner');
    const { workspaceId } = membership;
    await this.dataSource.transaction(async (em) => {
      const target = await this.lockTarget(workspaceId, userId, em);
      if (target.member.role === role) return;
      if (target.member.role === 'owner' && target.owners.length <= 1) throw new LastOwnerError();
      await this.members.updateRole(workspaceId, userId, role, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'member',
        entityId: userId,
        changes: { role: { from: target.member.role, to: role } },
      });
      // a viewer cannot start the work their schedules do
      if (role === 'viewer') await this.scheduleCreators.suspendFor(em, userId, workspaceId, CREATOR_NOT_EDITOR, actor);
    });
    await this.authCache.invalidateUser(userId);
    return this.get(workspaceId, userId);
  }

  /** Removes a member (owners), or the caller themself (leaving); the last owner cannot go. */
  async remove(membership: WorkspaceMembership, userId: string, actor: Actor): Promise<void> {
    if (userId !== membership.userId) assertWorkspaceRole(membership, 'owner');
    const { workspaceId } = membership;
    await this.dataSource.transaction(async (em) => {
      const target = await this.lockTarget(workspaceId, userId, em);
      if (target.member.role === 'owner' && target.owners.length <= 1) throw new LastOwnerError();
      await this.members.delete(workspaceId, userId, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'delete',
        entityType: 'member',
        entityId: userId,
        changes: { email: { from: target.member.email }, role: { from: target.member.role } },
      });
      await this.scheduleCreators.suspendFor(em, userId, workspaceId, CREATOR_LEFT, actor);
    });
    await this.authCache.invalidateUser(userId);
  }

  /** Locks the owners (always first, in a fixed order) and reads the target member. */
  private async lockTarget(
    workspaceId: string,
    userId: string,
    em: EntityManager,
  ): Promise<{ member: MemberView; owners: string[] }> {
    const owners = await this.members.lockOwners(workspaceId, em);
    const member = await this.members.findInWorkspace(workspaceId, userId, em);
    if (!member) throw new MemberNotFoundError(userId);
    return { member, owners };
  }
}
