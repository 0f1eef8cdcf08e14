import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import { Workspace } from '../workspaces/workspace.entity';

export const NOTIFICATION_CHANNEL_KINDS = ['webhook', 'email'] as const;
export type NotificationChannelKind = (typeof NOTIFICATION_CHANNEL_KINDS)[number];

/**
 * Where a workspace's alert notifications go: a webhook (an HTTPS endpoint that receives signed JSON)
 * or email recipients. A webhook's signing secret is kept encrypted (SECRETS_KEY) and shown once.
 */
@Entity('notification_channels')
@Unique('UQ_notification_channels_workspace_name', ['workspaceId', 'name'])
@Check('CHK_notification_channels_kind', `kind IN ('webhook', 'email')`)
@Check(
  'CHK_notification_channels_target',
  `(kind = 'webhook' AND url IS NOT NULL AND secret_ciphertext IS NOT NULL) OR (kind = 'email' AND recipients IS NOT NULL)`,
)
export class NotificationChannel {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey(() => Workspace, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  workspaceId!: string;

  @Column('text')
  name!: string;

  @Column('text', { nullable: true })
  description!: string | null;

  @Column('text')
  kind!: NotificationChannelKind;

  /** webhook: where deliveries are POSTed */
  @Column('text', { nullable: true })
  url!: string | null;

  /** email: the addresses a notification is mailed to */
  @Column('text', { array: true, nullable: true })
  recipients!: string[] | null;

  /** webhook: the HMAC signing secret, encrypted (never returned after creation or rotation) */
  @Column('text', { nullable: true })
  secretCiphertext!: string | null;

  @Column('boolean', { default: true })
  enabled!: boolean;

  @Column('uuid', { nullable: true })
  createdBy!: string | null;

  @VersionColumn({ default: 1 })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
