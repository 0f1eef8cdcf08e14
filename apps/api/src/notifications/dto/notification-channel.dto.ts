import { ApiProperty } from '@nestjs/swagger';
import { NOTIFICATION_CHANNEL_KINDS, NotificationChannel, NotificationChannelKind } from '@labwire/domain';

/** Webhook URLs often carry a token in their path: viewers see only where they point. */
function redact(url: string | null): string | null {
  if (!url) return url;
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '…';
  }
}

export class NotificationChannelDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  workspaceId!: string;

  @ApiProperty({ example: 'On-call webhook' })
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ enum: NOTIFICATION_CHANNEL_KINDS })
  kind!: NotificationChannelKind;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'webhook: the URL (editors and owners); viewers see its origin only',
  })
  url!: string | null;

  @ApiProperty({ type: [String], nullable: true, description: 'email: the recipients' })
  recipients!: string[] | null;

  @ApiProperty({ description: 'webhook: whether a signing secret is set (it is never shown again)' })
  hasSecret!: boolean;

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  createdBy!: string | null;

  @ApiProperty({ description: 'Increases on every change; also the ETag', example: 1 })
  version!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(c: NotificationChannel, fullUrl: boolean): NotificationChannelDto {
    return {
      id: c.id,
      workspaceId: c.workspaceId,
      name: c.name,
      description: c.description,
      kind: c.kind,
      url: fullUrl ? c.url : redact(c.url),
      recipients: c.recipients,
      hasSecret: c.secretCiphertext !== null,
      enabled: c.enabled,
      createdBy: c.createdBy,
      version: c.version,
      createdAt: c.createdAt.toISOString(),
      updatedAt: c.updatedAt.toISOString(),
    };
  }
}
