import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { Instrument } from '../instruments/instrument.entity';
import { Workspace } from '../workspaces/workspace.entity';

/**
 * `queued` (waiting for the instrument to be online) → `sent` (published at QoS 1) → `succeeded` or
 * `failed` (the instrument's reply) or `timed_out` (no reply in time); `queued` → `expired` (never
 * sent before expiresAt); `queued` or `sent` → `cancelled`. The last five are final.
 */
export const COMMAND_STATUSES = ['queued', 'sent', 'succeeded', 'failed', 'timed_out', 'expired', 'cancelled'] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];
export const OPEN_COMMAND_STATUSES = ['queued', 'sent'] as const satisfies readonly CommandStatus[];

/** A command to an instrument and what became of it. */
@Entity('commands')
@Unique('UQ_commands_instrument_idempotency_key', ['instrumentId', 'idempotencyKey'])
@Index('IDX_commands_instrument_created', ['instrumentId', 'createdAt'])
@Index('IDX_commands_open', ['status'], { where: `status IN ('queued', 'sent')` })
@Check(
  'CHK_commands_status',
  `status IN ('queued', 'sent', 'succeeded', 'failed', 'timed_out', 'expired', 'cancelled')`,
)
@Check('CHK_commands_timeout', `timeout_seconds > 0`)
export class Command {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey(() => Workspace, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  workspaceId!: string;

  @Column('uuid')
  @ForeignKey(() => Instrument, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  instrumentId!: string;

  @Column('text')
  name!: string;

  @Column('jsonb', { default: () => "'{}'" })
  params!: Record<string, unknown>;

  @Column('text', { default: 'queued' })
  status!: CommandStatus;

  /** How long after sending a reply is awaited before the command times out. */
  @Column('integer')
  timeoutSeconds!: number;

  /** A queued command not sent by then expires. */
  @Column('timestamptz', { nullable: true })
  expiresAt!: Date | null;

  /** The client's key: the same key for the same instrument answers the same command. */
  @Column('text', { nullable: true })
  idempotencyKey!: string | null;

  /** The instrument's `result` when it replied ok. */
  @Column('jsonb', { nullable: true })
  result!: unknown;

  /** The instrument's `error`, or why Labwire closed the command. */
  @Column('text', { nullable: true })
  error!: string | null;

  /** Who created it; kept (not a foreign key) so history survives the user's deletion. */
  @Column('uuid', { nullable: true })
  createdByUserId!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column('timestamptz', { nullable: true })
  sentAt!: Date | null;

  /** When it reached a final status. */
  @Column('timestamptz', { nullable: true })
  completedAt!: Date | null;
}
