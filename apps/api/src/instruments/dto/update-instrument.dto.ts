import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsDateString,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { INSTRUMENT_STATUSES, InstrumentStatus } from '@labwire/domain';
import { IsOptionalNotNull } from '../../common/dto/optional-not-null.decorator';
import { IsNotBlank } from '../../common/dto/not-blank.decorator';

/** Every field optional; `null` clears a field that may be empty and is refused for one that may not. */
export class UpdateInstrumentDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @IsOptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @IsNotBlank()
  name?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 200, description: 'Unique in the workspace' })
  @IsOptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @IsNotBlank()
  serialNumber?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  model?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  manufacturer?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  type?: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Replaces the whole object' })
  @IsOptionalNotNull()
  @IsObject()
  capabilities?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: INSTRUMENT_STATUSES, enumName: 'InstrumentStatus' })
  @IsOptionalNotNull()
  @IsIn(INSTRUMENT_STATUSES)
  status?: InstrumentStatus;

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'null takes it out of its location',
  })
  @IsOptional()
  @IsUUID()
  locationId?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 10000 })
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  notes?: string | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional()
  @IsDateString({ strict: true })
  lastCalibratedAt?: string | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @IsOptional()
  @IsDateString({ strict: true })
  calibrationDueAt?: string | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: 604800,
    description:
      'How often the instrument sends data; silence for twice this plus 10 s marks it offline. null (default): no check',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(604800)
  expectedIntervalSeconds?: number | null;
}
