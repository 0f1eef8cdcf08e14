import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Workspace } from '../workspaces/workspace.entity';

export const AUDIT_ACTIONS = ['create', 'update', 'delete'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export type AuditChanges = Record<string, { from?: unknown; to?: unknown }>;

/** Who changed what in a workspace, and when. Written in the same transaction as the change. */
@Entity('audit_entries')
@Index('IDX_audit_entries_workspace_time', ['workspaceId', 'createdAt'])
@Index('IDX_audit_entries_created', ['createdAt'])
export class AuditEntry {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey(() => Workspace, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  workspaceId!: string;

  /** The acting user; kept (not a foreign key) so history survives the user's deletion. */
  @Column('uuid', { nullable: true })
  actorUserId!: string | null;

  @Column('uuid', { nullable: true })
  actorApiKeyId!: string | null;

  @Column('text')
  action!: AuditAction;

  @Column('text')
  entityType!: string;

  @Column('uuid')
  entityId!: string;

  @Column('jsonb', { default: () => "'{}'" })
  changes!: AuditChanges;

  @Column('text', { nullable: true })
  requestId!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
