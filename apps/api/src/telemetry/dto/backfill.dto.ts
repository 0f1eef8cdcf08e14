import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { BackfillReport } from '@labwire/domain';
import { JobRowErrorDto } from '../../jobs/dto/job.dto';

export class BackfillQueryDto {
  @ApiPropertyOptional({
    type: Boolean,
    default: false,
    description: 'Only validate: answer 200 with the report; nothing is stored and no job is created',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  dryRun?: boolean;
}

/** What a dry run finds in an upload (also the `input` summary of a backfill job, without the errors). */
export class BackfillReportDto implements BackfillReport {
  @ApiProperty({ format: 'uuid' })
  instrumentId!: string;

  @ApiProperty({ enum: ['json', 'csv'] })
  format!: 'json' | 'csv';

  @ApiProperty({ description: 'Readings in the upload', example: 1000 })
  total!: number;

  @ApiProperty({ description: 'Readings that would be stored', example: 997 })
  valid!: number;

  @ApiProperty({ description: 'Readings refused (see errors)', example: 3 })
  invalid!: number;

  @ApiProperty({ type: [JobRowErrorDto], description: 'The first 1000 problems, by row' })
  errors!: JobRowErrorDto[];

  @ApiProperty({ description: 'All problems found' })
  errorCount!: number;

  @ApiProperty({ type: [String], description: 'Metrics of the valid readings (the first 100)', example: ['ph'] })
  metrics!: string[];

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Earliest valid reading' })
  from!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Latest valid reading' })
  to!: string | null;
}

/** One entry of a JSON backfill: CONTRACT.md's MQTT telemetry format. */
export class TelemetryEntryDto {
  @ApiPropertyOptional({
    oneOf: [
      { type: 'integer', description: 'epoch milliseconds' },
      { type: 'string', format: 'date-time' },
    ],
    description: 'When the values were measured; ISO-8601 needs a zone (Z or ±hh:mm). Default: now',
  })
  ts?: number | string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    example: { ph: 7.01, temperature: 21.4 },
    description: 'Metric names (1-200 characters) and finite numbers',
  })
  values!: Record<string, number>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { probe: 'a' } })
  tags?: Record<string, unknown>;
}
