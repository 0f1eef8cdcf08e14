import { ApiProperty } from '@nestjs/swagger';
import { CALIBRATION_RESULTS, CalibrationRecord, CalibrationResult } from '@labwire/domain';

export class CalibrationCertificateDto {
  @ApiProperty({ example: 'cert-2026-118.pdf' })
  filename!: string;

  @ApiProperty({ example: 'application/pdf', description: 'As the upload declared it' })
  mediaType!: string;

  @ApiProperty({ example: 182344 })
  size!: number;

  @ApiProperty({ description: 'Hex SHA-256 of the stored bytes' })
  sha256!: string;

  @ApiProperty({ description: 'Where to download it (GET)' })
  href!: string;
}

export class CalibrationDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  workspaceId!: string;

  @ApiProperty({ format: 'uuid' })
  instrumentId!: string;

  @ApiProperty({ format: 'date-time' })
  performedAt!: string;

  @ApiProperty()
  performedBy!: string;

  @ApiProperty({ enum: CALIBRATION_RESULTS, enumName: 'CalibrationResult' })
  result!: CalibrationResult;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  nextDueAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  notes!: string | null;

  @ApiProperty({ type: CalibrationCertificateDto, nullable: true })
  certificate!: CalibrationCertificateDto | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The user who entered the record' })
  createdBy!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static from(r: CalibrationRecord): CalibrationDto {
    const path = calibrationPath(r.workspaceId, r.instrumentId, r.id);
    return {
      id: r.id,
      workspaceId: r.workspaceId,
      instrumentId: r.instrumentId,
      performedAt: new Date(r.performedAt).toISOString(),
      performedBy: r.performedBy,
      result: r.result,
      nextDueAt: r.nextDueAt ? new Date(r.nextDueAt).toISOString() : null,
      notes: r.notes,
      certificate: r.certificate ? { ...r.certificate, href: `${path}/certificate` } : null,
      createdBy: r.createdBy,
      createdAt: new Date(r.createdAt).toISOString(),
    };
  }
}

export function calibrationPath(workspaceId: string, instrumentId: string, id: string): string {
  return `/api/v1/workspaces/${workspaceId}/instruments/${instrumentId}/calibrations/${id}`;
}
