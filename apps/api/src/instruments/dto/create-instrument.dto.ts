import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
import { IsNotBlank } from '../../common/dto/not-blank.decorator';

export class CreateInstrumentDto {
  @ApiProperty({ example: 'HPLC 2', minLength: 1, maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @IsNotBlank()
  name!: string;

  @ApiProperty({ example: 'DEAB123456', minLength: 1, maxLength: 200, description: 'Unique in the workspace' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @IsNotBlank()
  serialNumber!: string;

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

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100, example: 'chromatograph' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  type?: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, default: {} })
  @IsOptional()
  @IsObject()
  capabilities?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: INSTRUMENT_STATUSES, enumName: 'InstrumentStatus', default: 'active' })
  @IsOptional()
  @IsIn(INSTRUMENT_STATUSES)
  status?: InstrumentStatus;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'A location of this workspace' })
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
