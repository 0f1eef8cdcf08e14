import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig, Page, PageRequest, toPage } from '@labwire/core';
import { AccountMails } from '../accounts/account-mails';
import { AccountApprovalService } from '../accounts/account-approval.service';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { AuthInvalidator } from '../identity/auth-invalidator';
import { EmailTakenError, UserNotFoundError } from '../identity/identity.errors';
import { PasswordHasher } from '../identity/password-hasher';
import { randomToken } from '../identity/secret-tokens';
import { User } from '../identity/user.entity';
import { EmailInUse, UserRepository } from '../identity/user.repository';
import { WorkspaceRole } from '../workspaces/workspace-member.entity';
import { WorkspaceMemberRepository } from '../workspaces/workspace-member.repository';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { MemberExistsError } from '../workspaces/workspaces.errors';
import { InvitationInvalidError, InvitationNotFoundError, InvitationNotPendingError } from './invitations.errors';
import { InvitationStatus, WorkspaceInvitation } from './workspace-invitation.entity';
import {
  InvitationView,
  PendingInvitationExists,
  WorkspaceInvitationRepository,
} from './workspace-invitation.repository';

export interface InvitedRegistration {
  user: User;
  workspaceId: string;
  role: WorkspaceRole;
}

/**
 * Workspace invitations: owners invite an address with a role; the invitation is mailed (to someone
 * without an account, with a link that registers them into the workspace), expires after
 * INVITATION_TTL, can be re-sent (a new link) or revoked, and is accepted or declined once. Every
 * change is audited in the workspace. The answer to an owner never says whether the address has an
 * account.
 */
@Injectable()
export class InvitationService {
  private readonly logger = new Logger('Invitations');

  constructor(
    private readonly dataSource: DataSource,
    private readonly invitations: WorkspaceInvitationRepository,
    private readonly members: WorkspaceMemberRepository,
    private readonly users: UserRepository,
    private readonly audit: AuditService,
    private readonly mails: AccountMails,
    private readonly approval: AccountApprovalService,
    private readonly hasher: PasswordHasher,
    private readonly cache: AuthInvalidator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private expiry(): Date {
    return new Date(Date.now() + this.config.accounts.invitationTtlSeconds * 1000);
  }

  /**
   * Invites an address (owners only). A pending invitation of the same address is renewed instead
   * (new role, link and expiry). 409 MEMBER_EXISTS when the address is a member already.
   */
  async invite(membership: WorkspaceMembership, emailInput: string, role: WorkspaceRole, actor: Actor) {
    assertWorkspaceRole(membership, 'owner');
    const { workspaceId } = membership;
    const email = emailInput.trim().toLowerCase();
    const token = randomToken(32);
    const expiresAt = this.expiry();
    const write = (em: EntityManager) => this.writeInvitation(workspaceId, email, role, token, expiresAt, actor, em);
    let id: string;
    try {
      id = await this.dataSource.transaction(write);
    } catch (err) {
      // Two owners inviting the same address at once: the second renews the first's invitation.
      if (!(err instanceof PendingInvitationExists)) throw err;
      id = await this.dataSource.transaction(write);
    }
    await this.mail(workspaceId, id, token, actor);
    return this.get(membership, id);
  }

  private async writeInvitation(
    workspaceId: string,
    email: string,
    role: WorkspaceRole,
    token: string,
    expiresAt: Date,
    actor: Actor,
    em: EntityManager,
  ): Promise<string> {
    if (await this.invitations.isMemberByEmail(workspaceId, email, em)) throw new MemberExistsError(email);
    const existing = await this.invitations.lockPending(workspaceId, email, em);
    if (existing) {
      await this.invitations.renew(workspaceId, existing.id, { token, expiresAt, role, invitedBy: actor.userId }, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'invitation',
        entityId: existing.id,
        changes: {
          ...(existing.role !== role && { role: { from: existing.role, to: role } }),
          expiresAt: { from: existing.expiresAt.toISOString(), to: expiresAt.toISOString() },
        },
      });
      return existing.id;
    }
    const created = await this.invitations.insertPending(
      { workspaceId, email, role, invitedBy: actor.userId, expiresAt, token },
      em,
    );
    await this.audit.record(em, workspaceId, actor, {
      action: 'create',
      entityType: 'invitation',
      entityId: created.id,
      changes: { email: { to: email }, role: { to: role }, expiresAt: { to: expiresAt.toISOString() } },
    });
    return created.id;
  }

  async get(membership: WorkspaceMembership, id: string): Promise<InvitationView> {
    assertWorkspaceRole(membership, 'owner');
    const view = await this.invitations.findInWorkspace(membership.workspaceId, id);
    if (!view) throw new InvitationNotFoundError(id);
    return view;
  }

  async list(
    membership: WorkspaceMembership,
    status: InvitationStatus | undefined,
    page: PageRequest,
  ): Promise<Page<InvitationView>> {
    assertWorkspaceRole(membership, 'owner');
    const [items, total] = await this.invitations.listInWorkspace(membership.workspaceId, status, page);
    return toPage(items, total, page);
  }

  /** Mails a pending invitation again with a new link and a new expiry; the old link stops working. */
  async resend(membership: WorkspaceMembership, id: string, actor: Actor): Promise<InvitationView> {
    assertWorkspaceRole(membership, 'owner');
    const { workspaceId } = membership;
    const token = randomToken(32);
    const expiresAt = this.expiry();
    await this.dataSource.transaction(async (em) => {
      const invitation = await this.lockInWorkspace(workspaceId, id, em);
      if (invitation.status !== 'pending') throw new InvitationNotPendingError(invitation.status);
      await this.invitations.renew(workspaceId, id, { token, expiresAt }, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'invitation',
        entityId: id,
        changes: { expiresAt: { from: invitation.expiresAt.toISOString(), to: expiresAt.toISOString() } },
      });
    });
    await this.mail(workspaceId, id, token, actor);
    return this.get(membership, id);
  }

  async revoke(membership: WorkspaceMembership, id: string, actor: Actor): Promise<InvitationView> {
    assertWorkspaceRole(membership, 'owner');
    const { workspaceId } = membership;
    await this.dataSource.transaction(async (em) => {
      const invitation = await this.lockInWorkspace(workspaceId, id, em);
      if (invitation.status !== 'pending') throw new InvitationNotPendingError(invitation.status);
      await this.invitations.setStatus(workspaceId, id, 'revoked', null, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'invitation',
        entityId: id,
        changes: { status: { from: 'pending', to: 'revoked' } },
      });
    });
    this.logger.log({ workspaceId, invitationId: id, actorId: actor.userId }, 'invitation revoked');
    return this.get(membership, id);
  }

  /** The open invitations of the signed-in user's address. */
  async listMine(userId: string): Promise<InvitationView[]> {
    const user = await this.users.findById(userId);
    if (!user) throw new UserNotFoundError(userId);
    return this.invitations.listOpenForEmail(user.email);
  }

  /** Accepts one of the caller's open invitations: they become a member with its role. */
  async accept(userId: string, id: string, actor: Actor): Promise<InvitationView> {
    const workspaceId = await this.respond(userId, id, 'accepted', actor);
    await this.cache.invalidateUser(userId);
    return this.viewOf(workspaceId, id);
  }

  async decline(userId: string, id: string, actor: Actor): Promise<InvitationView> {
    const workspaceId = await this.respond(userId, id, 'declined', actor);
    return this.viewOf(workspaceId, id);
  }

  /** The open invitation a link's token names (to show before registering with it); null when unusable. */
  findOpenByToken(token: string): Promise<InvitationView | null> {
    return this.invitations.findOpenByToken(token);
  }

  /**
   * Registers the person an invitation was mailed to (no open registration needed) and makes them a
   * member with its role, spending the invitation. Their address is verified by the link; whether
   * they still need an administrator's approval depends on USERS_APPROVAL_FLOW (`email`: active at
   * once; `admin`, `email+admin`: pending, and the administrators are mailed).
   */
  async register(input: { token: string; fullName: string; password: string }): Promise<InvitedRegistration> {
    const result = await this.dataSource.transaction(async (em) => {
      const invitation = await this.invitations.lockOpenByToken(input.token, em);
      if (!invitation) throw new InvitationInvalidError();
      this.hasher.assertAcceptable(input.password, invitation.email);
      let user: User;
      try {
        user = await this.users.insert(
          {
            email: invitation.email,
            fullName: input.fullName.trim(),
            role: 'user',
            status: 'pending',
            passwordHash: await this.hasher.hash(input.password),
            emailVerifiedAt: new Date(),
          },
          em,
        );
      } catch (err) {
        if (err instanceof EmailInUse) throw new EmailTakenError(invitation.email);
        throw err;
      }
      const status = await this.approval.activateIfReady(user, em);
      await this.join(invitation, user, 'accepted', { userId: user.id }, em);
      return { user: { ...user, status }, workspaceId: invitation.workspaceId, role: invitation.role };
    });
    this.logger.log(
      { userId: result.user.id, workspaceId: result.workspaceId, status: result.user.status },
      'user registered with an invitation',
    );
    if (result.user.status === 'pending') await this.mails.approvalRequested(result.user);
    return result;
  }

  private async respond(userId: string, id: string, outcome: 'accepted' | 'declined', actor: Actor): Promise<string> {
    return this.dataSource.transaction(async (em) => {
      const user = await this.users.findById(userId, em);
      const invitation = await this.invitations.lockById(id, em);
      // someone else's invitation is not there for this caller
      if (!user || !invitation || invitation.email !== user.email) throw new InvitationNotFoundError(id);
      if (invitation.status !== 'pending') throw new InvitationNotPendingError(invitation.status);
      if (invitation.expiresAt <= new Date()) throw new InvitationNotPendingError('expired');
      await this.join(invitation, user, outcome, actor, em);
      return invitation.workspaceId;
    });
  }

  /** Records the answer to an invitation (and, accepted, the membership), audited in its workspace. */
  private async join(
    invitation: WorkspaceInvitation,
    user: User,
    outcome: 'accepted' | 'declined',
    actor: Actor,
    em: EntityManager,
  ): Promise<void> {
    const { workspaceId } = invitation;
    await this.invitations.setStatus(workspaceId, invitation.id, outcome, outcome === 'accepted' ? user.id : null, em);
    await this.audit.record(em, workspaceId, actor, {
      action: 'update',
      entityType: 'invitation',
      entityId: invitation.id,
      changes: { status: { from: 'pending', to: outcome } },
    });
    if (outcome === 'declined') return;
    if (await this.members.insert(workspaceId, user.id, invitation.role, em)) {
      await this.audit.record(em, workspaceId, actor, {
        action: 'create',
        entityType: 'member',
        entityId: user.id,
        changes: { email: { to: user.email }, role: { to: invitation.role }, invitation: { to: invitation.id } },
      });
    }
  }

  private async lockInWorkspace(workspaceId: string, id: string, em: EntityManager): Promise<WorkspaceInvitation> {
    const invitation = await this.invitations.lockInWorkspace(workspaceId, id, em);
    if (!invitation) throw new InvitationNotFoundError(id);
    return invitation;
  }

  private async viewOf(workspaceId: string, id: string): Promise<InvitationView> {
    const view = await this.invitations.findInWorkspace(workspaceId, id);
    if (!view) throw new InvitationNotFoundError(id);
    return view;
  }

  private async mail(workspaceId: string, id: string, token: string, actor: Actor): Promise<void> {
    const view = await this.invitations.findInWorkspace(workspaceId, id);
    if (!view) return;
    const [invitee, inviter] = await Promise.all([
      this.users.findByEmail(view.email),
      this.users.findById(actor.userId),
    ]);
    await this.mails.invitation({
      email: view.email,
      hasAccount: !!invitee,
      workspace: view.workspaceName,
      inviter: inviter?.fullName ?? 'A Labwire user',
      role: view.role,
      token,
      key: `invitation-${id}-${view.expiresAt.getTime()}`,
    });
  }
}
