import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { User } from '../identity/user.entity';
import { Workspace } from '../workspaces/workspace.entity';
import type { WorkspaceRole } from '../workspaces/workspace-member.entity';

export const INVITATION_STATUSES = ['pending', 'accepted', 'declined', 'revoked'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

/**
 * An owner's invitation of an email address into a workspace with a role. One pending invitation per
 * (workspace, email); a pending one past `expiresAt` is expired. The token (mailed to people without
 * an account, to register with) is stored as its SHA-256 only.
 */
@Entity('workspace_invitations')
@Check('CHK_workspace_invitations_status', `status IN ('pending', 'accepted', 'declined', 'revoked')`)
@Check('CHK_workspace_invitations_role', `role IN ('owner', 'editor', 'viewer')`)
@Check('CHK_workspace_invitations_email_lower', `email = lower(email)`)
@Index('UQ_workspace_invitations_pending', ['workspaceId', 'email'], { unique: true, where: `status = 'pending'` })
@Index('IDX_workspace_invitations_email', ['email'])
export class WorkspaceInvitation {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey(() => Workspace, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  workspaceId!: string;

  @Column('text')
  email!: string;

  @Column('text')
  role!: WorkspaceRole;

  @Index('UQ_workspace_invitations_token', { unique: true })
  @Column('text')
  tokenHash!: string;

  @Column('uuid', { nullable: true })
  @ForeignKey(() => User, { onDelete: 'SET NULL', onUpdate: 'NO ACTION' })
  invitedBy!: string | null;

  @Column('text', { default: 'pending' })
  status!: InvitationStatus;

  @Column('timestamptz')
  expiresAt!: Date;

  @Column('timestamptz', { nullable: true })
  respondedAt!: Date | null;

  /** the user who accepted it (or registered with it) */
  @Column('uuid', { nullable: true })
  @ForeignKey(() => User, { onDelete: 'SET NULL', onUpdate: 'NO ACTION' })
  acceptedBy!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
