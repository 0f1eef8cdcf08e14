import { ApiProperty } from '@nestjs/swagger';
import { Alert, ALERT_STATES } from '@labwire/domain';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export class AlertDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  workspaceId!: string;

  @ApiProperty({ example: 'freezer-temp-high' })
  key!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  instrumentId!: string | null;

  @ApiProperty({ enum: ALERT_STATES })
  state!: string;

  @ApiProperty({ minimum: 1, maximum: 5, description: 'Effective priority (1 most urgent), escalations included' })
  priority!: number;

  @ApiProperty({ type: String, nullable: true })
  note!: string | null;

  @ApiProperty({ description: 'Triggers while open, the first included' })
  triggerCount!: number;

  @ApiProperty({ description: 'Priority steps gained by escalation' })
  escalations!: number;

  @ApiProperty({ format: 'date-time' })
  openedAt!: string;

  @ApiProperty({ format: 'date-time' })
  lastTriggeredAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  acknowledgedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  resolvedAt!: string | null;

  @ApiProperty({ type: String, enum: ['cleared', 'auto-resolved'], nullable: true })
  resolution!: string | null;

  static from(a: Alert): AlertDto {
    return {
      id: a.id,
      workspaceId: a.workspaceId,
      key: a.key,
      instrumentId: a.instrumentId,
      state: a.state,
      priority: a.priority,
      note: a.note,
      triggerCount: a.triggerCount,
      escalations: a.escalations,
      openedAt: iso(a.openedAt)!,
      lastTriggeredAt: iso(a.lastTriggeredAt)!,
      acknowledgedAt: iso(a.acknowledgedAt),
      resolvedAt: iso(a.resolvedAt),
      resolution: a.resolution,
    };
  }
}

export class TriggerResultDto {
  @ApiProperty({ type: AlertDto })
  alert!: AlertDto;

  @ApiProperty({ description: 'true: this trigger opened the alert; false: it re-triggered the open one' })
  opened!: boolean;

  @ApiProperty({ description: 'true: a silence covers it (recorded as suppressed, hidden from displays)' })
  silenced!: boolean;
}

export class ClearResultDto {
  @ApiProperty({ description: 'false when no alert of this key (and instrument) was open: nothing changed' })
  cleared!: boolean;

  @ApiProperty({ type: AlertDto, nullable: true })
  alert!: AlertDto | null;
}
