import { ApiProperty } from '@nestjs/swagger';
import {
  MAINTENANCE_KINDS,
  MAINTENANCE_WINDOW_STATES,
  MaintenanceKind,
  MaintenanceWindow,
  MaintenanceWindowState,
  windowState,
} from '@labwire/domain';

export class MaintenanceWindowDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  workspaceId!: string;

  @ApiProperty({ format: 'uuid' })
  instrumentId!: string;

  @ApiProperty({ format: 'date-time' })
  startsAt!: string;

  @ApiProperty({ format: 'date-time' })
  endsAt!: string;

  @ApiProperty({ enum: MAINTENANCE_KINDS, enumName: 'MaintenanceKind' })
  kind!: MaintenanceKind;

  @ApiProperty({ type: String, nullable: true })
  notes!: string | null;

  @ApiProperty({
    enum: MAINTENANCE_WINDOW_STATES,
    enumName: 'MaintenanceWindowState',
    description: 'Now: planned (not started), open (the instrument is in maintenance) or done',
  })
  state!: MaintenanceWindowState;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  createdBy!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(w: MaintenanceWindow, now: Date = new Date()): MaintenanceWindowDto {
    return {
      id: w.id,
      workspaceId: w.workspaceId,
      instrumentId: w.instrumentId,
      startsAt: new Date(w.startsAt).toISOString(),
      endsAt: new Date(w.endsAt).toISOString(),
      kind: w.kind,
      notes: w.notes,
      state: windowState(w, now),
      createdBy: w.createdBy,
      createdAt: new Date(w.createdAt).toISOString(),
      updatedAt: new Date(w.updatedAt).toISOString(),
    };
  }
}
