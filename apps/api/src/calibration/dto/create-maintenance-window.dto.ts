import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { MAINTENANCE_KINDS, MaintenanceKind } from '@labwire/domain';

export class CreateMaintenanceWindowDto {
  @ApiProperty({ format: 'date-time', example: '2026-12-10T08:00:00Z', description: 'Start (in the past: a record)' })
  @IsDateString({ strict: true })
  startsAt!: string;

  @ApiProperty({ format: 'date-time', example: '2026-12-10T12:00:00Z', description: 'End: after startsAt, ≤ 366 days' })
  @IsDateString({ strict: true })
  endsAt!: string;

  @ApiProperty({ enum: MAINTENANCE_KINDS, enumName: 'MaintenanceKind' })
  @IsIn(MAINTENANCE_KINDS)
  kind!: MaintenanceKind;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;
}
