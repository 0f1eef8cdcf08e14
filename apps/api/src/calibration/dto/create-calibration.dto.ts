import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { CALIBRATION_RESULTS, CalibrationResult } from '@labwire/domain';
import { IsNotBlank } from '../../common/dto/not-blank.decorator';

/** A calibration record's fields: the JSON body, or the form fields before the `certificate` part. */
export class CreateCalibrationDto {
  @ApiProperty({ format: 'date-time', example: '2026-12-01T09:30:00Z', description: 'Not in the future' })
  @IsDateString({ strict: true })
  performedAt!: string;

  @ApiProperty({ example: 'Metrology Services Ltd (J. Doe)', minLength: 1, maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @IsNotBlank()
  performedBy!: string;

  @ApiProperty({ enum: CALIBRATION_RESULTS, enumName: 'CalibrationResult' })
  @IsIn(CALIBRATION_RESULTS)
  result!: CalibrationResult;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2027-06-01T00:00:00Z',
    description: 'When the next calibration is due (after performedAt); omitted: no due date',
  })
  @IsOptional()
  @IsDateString({ strict: true })
  nextDueAt?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;
}
