import { ApiProperty } from '@nestjs/swagger';
import { Command, COMMAND_STATUSES, CommandStatus, commandView } from '@labwire/domain';

export class CommandDto {
  @ApiProperty({ format: 'uuid', description: 'Also the last topic level the instrument receives it on' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  workspaceId!: string;

  @ApiProperty({ format: 'uuid' })
  instrumentId!: string;

  @ApiProperty({ example: 'start-run' })
  name!: string;

  @ApiProperty({ type: 'object', additionalProperties: true })
  params!: Record<string, unknown>;

  @ApiProperty({
    enum: COMMAND_STATUSES,
    enumName: 'CommandStatus',
    description:
      'queued (waiting for the instrument to be online) → sent → succeeded | failed (its reply) | timed_out; ' +
      'queued → expired (expiresAt passed unsent); queued | sent → cancelled',
  })
  status!: CommandStatus;

  @ApiProperty({ example: 60 })
  timeoutSeconds!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  idempotencyKey!: string | null;

  @ApiProperty({ nullable: true, description: "The instrument's result when it replied ok (any JSON)" })
  result!: unknown;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The instrument's error when it failed, or why Labwire closed the command (timed_out, expired)",
  })
  error!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  createdByUserId!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  sentAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When it reached a final status' })
  completedAt!: string | null;

  /** The same shape the instrument's event stream carries. */
  static from(c: Command): CommandDto {
    return commandView(c);
  }
}
