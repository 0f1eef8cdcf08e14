import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Workspace } from '../workspaces/workspace.entity';
import { NotificationChannel } from './notification-channel.entity';

/**
 * `pending` (queued, possibly retrying) → `succeeded` or `failed` (attempts exhausted, or refused in a
 * way retrying cannot mend); `suppressed`: recorded but not sent (a silence covered the alert).
 */
export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'suppressed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** What a notification is about: an alert's transition, or a test sent by a user. */
export const DELIVERY_EVENTS = ['alert.triggered', 'alert.escalated', 'alert.resolved', 'test'] as const;
export type DeliveryEvent = (typeof DELIVERY_EVENTS)[number];

/**
 * One notification to one channel: the outbox row written in the same transaction as what caused it,
 * so a crash before its job is queued loses nothing (the sweep queues it again), and its attempts.
 */
@Entity('notification_deliveries')
@Unique('UQ_notification_deliveries_channel_dedupe', ['channelId', 'dedupeKey'])
@Index('IDX_notification_deliveries_channel_created', ['channelId', 'createdAt'])
@Index('IDX_notification_deliveries_pending', ['createdAt'], { where: `status = 'pending'` })
@Check('CHK_notification_deliveries_status', `status IN ('pending', 'succeeded', 'failed', 'suppressed')`)
export class NotificationDelivery {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey(() => Workspace, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  workspaceId!: string;

  @Column('uuid')
  @ForeignKey(() => NotificationChannel, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  channelId!: string;

  @Column('text')
  event!: DeliveryEvent;

  /** the alert it is about (no foreign key: the log outlives purged alerts) */
  @Column('uuid', { nullable: true })
  alertId!: string | null;

  /** one delivery per channel and cause (e.g. an alert history entry): a retried cause adds nothing */
  @Column('text', { nullable: true })
  dedupeKey!: string | null;

  /** the JSON document sent (webhook body; the mail is rendered from it) */
  @Column('jsonb')
  payload!: Record<string, unknown>;

  @Column('text', { default: 'pending' })
  status!: DeliveryStatus;

  @Column('int', { default: 0 })
  attempts!: number;

  @Column('int', { nullable: true })
  lastStatusCode!: number | null;

  @Column('text', { nullable: true })
  lastError!: string | null;

  @Column('int', { nullable: true })
  lastLatencyMs!: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { nullable: true })
  completedAt!: Date | null;
}
