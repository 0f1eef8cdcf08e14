import { ApiProperty } from '@nestjs/swagger';
import {
  CALIBRATION_RESULTS,
  CalibrationResult,
  CONNECTION_STATES,
  ConnectionState,
  Instrument,
  INSTRUMENT_STATUSES,
  InstrumentStatus,
  QUALIFICATION_REASON_CODES,
  QualificationReasonCode,
  qualificationOf,
} from '@labwire/domain';

export class QualificationReasonDto {
  @ApiProperty({ enum: QUALIFICATION_REASON_CODES, enumName: 'QualificationReasonCode' })
  code!: QualificationReasonCode;

  @ApiProperty({ example: 'its calibration was due at 2026-11-01T00:00:00.000Z' })
  message!: string;
}

export class InstrumentDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  workspaceId!: string;

  @ApiProperty({ example: 'HPLC 2' })
  name!: string;

  @ApiProperty({ type: String, nullable: true, example: '1260 Infinity II' })
  model!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Agilent' })
  manufacturer!: string | null;

  @ApiProperty({ example: 'DEAB123456', description: 'Unique in the workspace' })
  serialNumber!: string;

  @ApiProperty({ type: String, nullable: true, example: 'chromatograph' })
  type!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { channels: 4, maxPressureBar: 600 } })
  capabilities!: Record<string, unknown>;

  @ApiProperty({ enum: INSTRUMENT_STATUSES, enumName: 'InstrumentStatus' })
  status!: InstrumentStatus;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  locationId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  notes!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastCalibratedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  calibrationDueAt!: string | null;

  @ApiProperty({
    enum: CALIBRATION_RESULTS,
    enumName: 'CalibrationResult',
    nullable: true,
    description: 'The result of the latest calibration record (…/calibrations); null before the first',
  })
  lastCalibrationResult!: CalibrationResult | null;

  @ApiProperty({
    description:
      'Whether the instrument may produce results now: status active, calibration not overdue, last calibration ' +
      'not failed. The reasons say why not.',
  })
  qualified!: boolean;

  @ApiProperty({ type: [QualificationReasonDto] })
  qualificationReasons!: QualificationReasonDto[];

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When Labwire last received data from the instrument',
  })
  lastSeenAt!: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 60,
    description:
      'How often the instrument is expected to send data. Once it has been heard from, silence for twice this ' +
      'plus 10 s marks it offline; null turns the data-driven check off.',
  })
  expectedIntervalSeconds!: number | null;

  @ApiProperty({
    enum: CONNECTION_STATES,
    enumName: 'ConnectionState',
    description:
      'Whether the instrument is connected: from its status topic (message or last will), its telemetry, and ' +
      'silence past expectedIntervalSeconds. `unknown` until Labwire first hears of it. History at …/state-history.',
  })
  connectionState!: ConnectionState;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When connectionState last changed',
  })
  stateChangedAt!: string | null;

  @ApiProperty({ description: 'Increases on every change; the ETag is this number in quotes', example: 1 })
  version!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  /** A plain mapper (no class-transformer): lists call it for every row. */
  static from(i: Instrument, now: Date = new Date()): InstrumentDto {
    const qualification = qualificationOf(i, now);
    return {
      id: i.id,
      workspaceId: i.workspaceId,
      name: i.name,
      model: i.model,
      manufacturer: i.manufacturer,
      serialNumber: i.serialNumber,
      type: i.type,
      capabilities: i.capabilities,
      status: i.status,
      locationId: i.locationId,
      notes: i.notes,
      lastCalibratedAt: i.lastCalibratedAt ? i.lastCalibratedAt.toISOString() : null,
      calibrationDueAt: i.calibrationDueAt ? i.calibrationDueAt.toISOString() : null,
      lastCalibrationResult: i.lastCalibrationResult ?? null,
      qualified: qualification.qualified,
      qualificationReasons: qualification.reasons,
      lastSeenAt: i.lastSeenAt ? i.lastSeenAt.toISOString() : null,
      expectedIntervalSeconds: i.expectedIntervalSeconds ?? null,
      connectionState: i.connectionState ?? 'unknown',
      stateChangedAt: i.stateChangedAt ? new Date(i.stateChangedAt).toISOString() : null,
      version: i.version,
      createdAt: i.createdAt.toISOString(),
      updatedAt: i.updatedAt.toISOString(),
    };
  }
}
