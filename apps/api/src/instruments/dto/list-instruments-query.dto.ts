import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsDateString, IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { INSTRUMENT_STATUSES, InstrumentStatus } from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';

export class ListInstrumentsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: INSTRUMENT_STATUSES, enumName: 'InstrumentStatus' })
  @IsOptional()
  @IsIn(INSTRUMENT_STATUSES)
  status?: InstrumentStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  locationId?: string;

  @ApiPropertyOptional({ description: 'Exact instrument type' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  type?: string;

  @ApiPropertyOptional({ description: 'Matches name, model or serial number (case-insensitive substring)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({
    type: Boolean,
    description:
      'Only instruments that are (true) or are not (false) qualified now: status active, calibration not overdue, ' +
      'last calibration not failed',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  qualified?: boolean;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Only instruments whose calibration is due before this moment (ISO-8601)',
    example: '2027-01-01T00:00:00Z',
  })
  @IsOptional()
  @IsDateString({ strict: true })
  calibrationDueBefore?: string;
}
