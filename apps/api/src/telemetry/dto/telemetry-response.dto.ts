import { ApiProperty } from '@nestjs/swagger';

export class TelemetryPointDto {
  @ApiProperty({ format: 'date-time' })
  time!: string;

  @ApiProperty({ format: 'uuid' })
  instrumentId!: string;

  @ApiProperty({ example: 'ph' })
  metric!: string;

  @ApiProperty({ example: 7.02 })
  value!: number;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  tags!: Record<string, unknown> | null;
}

export class RawTelemetryPageDto {
  @ApiProperty({ type: [TelemetryPointDto] })
  items!: TelemetryPointDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null at the end' })
  nextCursor!: string | null;
}

export class AggregatePointDto {
  @ApiProperty({ format: 'date-time', description: 'Start of the bucket' })
  bucket!: string;

  @ApiProperty({ format: 'uuid' })
  instrumentId!: string;

  @ApiProperty({ example: 'ph' })
  metric!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number', nullable: true },
    example: { avg: 7.01, max: 7.2 },
    description: 'One value per requested function; null in an empty (filled) bucket',
  })
  values!: Record<string, number | null>;
}

export class AggregateTelemetryDto {
  @ApiProperty({ type: [AggregatePointDto] })
  items!: AggregatePointDto[];

  @ApiProperty({ description: 'true when more than maxPoints rows matched; widen the bucket or the limit' })
  truncated!: boolean;
}

export class LatestValueDto {
  @ApiProperty({ example: 'ph' })
  metric!: string;

  @ApiProperty({ format: 'date-time' })
  time!: string;

  @ApiProperty({ example: 7.02 })
  value!: number;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  tags!: Record<string, unknown> | null;
}

export class InstrumentLatestValueDto extends LatestValueDto {
  @ApiProperty({ format: 'uuid' })
  instrumentId!: string;
}
