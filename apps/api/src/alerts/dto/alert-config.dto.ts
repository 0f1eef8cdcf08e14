import { ApiProperty } from '@nestjs/swagger';
import { ALERT_EFFECTS, AlertConfig } from '@labwire/domain';

export class AlertDisplayDto {
  @ApiProperty({ example: 'red' })
  color!: string;

  @ApiProperty({ enum: ALERT_EFFECTS })
  effect!: string;
}

export class AlertConfigDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  workspaceId!: string;

  @ApiProperty({ example: 'freezer-temp-high' })
  key!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ minimum: 1, maximum: 5 })
  defaultPriority!: number;

  @ApiProperty({ type: AlertDisplayDto })
  display!: AlertDisplayDto;

  @ApiProperty({ type: Number, nullable: true, description: 'seconds' })
  autoResolveAfter!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'seconds' })
  escalateAfter!: number | null;

  @ApiProperty({ type: [String], format: 'uuid' })
  notificationChannelIds!: string[];

  @ApiProperty({ minimum: 1, maximum: 5 })
  notifyMinPriority!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(c: AlertConfig): AlertConfigDto {
    return {
      id: c.id,
      workspaceId: c.workspaceId,
      key: c.key,
      name: c.name,
      description: c.description,
      defaultPriority: c.defaultPriority,
      display: { ...c.display },
      autoResolveAfter: c.autoResolveAfter,
      escalateAfter: c.escalateAfter,
      notificationChannelIds: c.notificationChannelIds,
      notifyMinPriority: c.notifyMinPriority,
      createdAt: c.createdAt.toISOString(),
      updatedAt: c.updatedAt.toISOString(),
    };
  }
}
