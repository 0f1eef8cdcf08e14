import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { AGGREGATE_FUNCTIONS, AggregateFunction } from '@labwire/domain';

const splitList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;

/** Shared: the time range and metrics of a telemetry read. */
export class TelemetryRangeQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Inclusive start; default 24 hours before `to`' })
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Exclusive end; default now' })
  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;

  @ApiPropertyOptional({ description: 'Comma-separated metric names; default all', example: 'ph,temperature' })
  @IsOptional()
  @Transform(splitList)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  @ArrayMaxSize(100)
  metrics?: string[];
}

export class RawTelemetryQueryDto extends TelemetryRangeQueryDto {
  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';

  @ApiPropertyOptional({ minimum: 1, maximum: 10000, default: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

export class AggregateTelemetryQueryDto extends TelemetryRangeQueryDto {
  @ApiPropertyOptional({ description: 'Bucket width: minutes, hours or days', example: '1h', default: '1h' })
  @IsOptional()
  @Matches(/^[1-9][0-9]*(m|h|d)$/, { message: 'bucket must look like 1m, 15m, 1h or 1d' })
  bucket?: string;

  @ApiPropertyOptional({
    description: `Comma-separated: ${AGGREGATE_FUNCTIONS.join(', ')}`,
    example: 'avg,min,max',
    default: 'avg',
  })
  @IsOptional()
  @Transform(splitList)
  @IsIn(AGGREGATE_FUNCTIONS, { each: true })
  fn?: AggregateFunction[];

  @ApiPropertyOptional({ description: 'IANA time zone buckets align to (a 1d bucket is a local day)', default: 'UTC' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  tz?: string;

  @ApiPropertyOptional({ enum: ['none', 'null'], default: 'none', description: 'null: empty buckets are listed' })
  @IsOptional()
  @IsIn(['none', 'null'])
  fill?: 'none' | 'null';

  @ApiPropertyOptional({ minimum: 1, maximum: 100000, default: 10000, description: 'More answers truncated: true' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100000)
  maxPoints?: number;
}

/** Workspace-level reads name the instruments they cover. */
export class InstrumentIdsQueryDto {
  @ApiProperty({
    description: 'Comma-separated instrument ids of the workspace (at most 100)',
    example: '6f1c1f0e-4a4b-4c55-9a43-7f0f8f6a1b2c,0b9e2f3a-9d7c-4b1e-8f6a-2c3d4e5f6a7b',
  })
  @Transform(splitList)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true, message: 'instrumentIds must be instrument ids (UUIDs)' })
  instrumentIds!: string[];
}

export class WorkspaceRawTelemetryQueryDto extends IntersectionType(RawTelemetryQueryDto, InstrumentIdsQueryDto) {}
export class WorkspaceAggregateTelemetryQueryDto extends IntersectionType(
  AggregateTelemetryQueryDto,
  InstrumentIdsQueryDto,
) {}
export class WorkspaceTelemetryRangeQueryDto extends IntersectionType(TelemetryRangeQueryDto, InstrumentIdsQueryDto) {}
