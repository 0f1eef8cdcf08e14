import { ApiProperty } from '@nestjs/swagger';
import { ALERT_ACTIONS, ALERT_ACTOR_KINDS, AlertHistoryEntry } from '@labwire/domain';

export class AlertHistoryEntryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  alertId!: string | null;

  @ApiProperty()
  key!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  instrumentId!: string | null;

  @ApiProperty({ enum: ALERT_ACTIONS })
  action!: string;

  @ApiProperty({ type: String, nullable: true, description: "The alert's state after the transition" })
  state!: string | null;

  @ApiProperty({ type: Number, nullable: true })
  priority!: number | null;

  @ApiProperty({ type: String, nullable: true })
  note!: string | null;

  @ApiProperty({ enum: ALERT_ACTOR_KINDS })
  actorKind!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The user, API key, rule or instrument id' })
  actorId!: string | null;

  @ApiProperty({ format: 'date-time' })
  at!: string;

  static from(e: AlertHistoryEntry): AlertHistoryEntryDto {
    return {
      id: e.id,
      alertId: e.alertId,
      key: e.key,
      instrumentId: e.instrumentId,
      action: e.action,
      state: e.state,
      priority: e.priority,
      note: e.note,
      actorKind: e.actorKind,
      actorId: e.actorId,
      at: new Date(e.at).toISOString(),
    };
  }
}
