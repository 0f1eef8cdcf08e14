import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import {
  IsBoolean,
  IsDateString,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
} from 'class-validator';
import { CLASSIFICATION_SCOPES, INGESTION_MODES, SCHEDULE_KINDS, ScheduleKind } from '@labwire/domain';
import { IsNotBlank } from '../../common/dto/not-blank.decorator';

/** `ingestion`: a URL list (or a data source) read on every run. */
export class IngestionScheduleConfigDto {
  @ApiPropertyOptional({
    type: [String],
    example: ['https://example.org/protocols/1', 'https://example.org/protocols/2'],
    description: 'http(s) URLs fetched each run (at most INGEST_MAX_URLS); give urls or datasourceId',
  })
  urls?: string[];

  @ApiPropertyOptional({ format: 'uuid', description: 'A data source of the workspace to read again each run' })
  datasourceId?: string;

  @ApiPropertyOptional({
    enum: INGESTION_MODES,
    default: 'new-datasource',
    description:
      'new-datasource: every run makes a data source; append: runs add to one data source only the records whose ' +
      'content hash it does not hold yet (with datasourceId: that data source)',
  })
  mode?: string;

  @ApiPropertyOptional({
    maxLength: 200,
    description: 'Name of the data sources the runs make (default: the schedule name)',
  })
  datasourceName?: string;
}

/** `classification`: a scheme over the records added since the last successful run, or all. */
export class ClassificationScheduleConfigDto {
  @ApiProperty({ format: 'uuid' })
  schemeId!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the records of this data source (default: every record)' })
  datasourceId?: string;

  @ApiPropertyOptional({
    enum: CLASSIFICATION_SCOPES,
    default: 'new',
    description:
      "new: records stored since the last successful run's job was created (all, the first time); all: every record",
  })
  scope?: string;
}

/** `telemetry-export`: a CSV of the readings of the window before each run, downloadable for 30 days. */
export class TelemetryExportScheduleConfigDto {
  @ApiProperty({ type: [String], format: 'uuid', description: '1 to 50 instruments of the workspace' })
  instrumentIds!: string[];

  @ApiProperty({ example: 86400000, description: 'The window ending at the run time, in ms (a minute to 366 days)' })
  windowMs!: number;

  @ApiPropertyOptional({ type: [String], description: 'Only these metrics (default: all)' })
  metrics?: string[];
}

export const CONFIG_SCHEMAS = [
  { $ref: getSchemaPath(IngestionScheduleConfigDto) },
  { $ref: getSchemaPath(ClassificationScheduleConfigDto) },
  { $ref: getSchemaPath(TelemetryExportScheduleConfigDto) },
];

const TIMING_DOC =
  'Give cron (five fields, read in timezone, default UTC) or intervalMs (at least SCHEDULES_MIN_INTERVAL_MS, 60000 by default).';

/** Fields a schedule's create and update share. */
export class ScheduleFieldsDto {
  @ApiPropertyOptional({
    example: '30 2 * * *',
    description: `minute hour day-of-month month day-of-week. ${TIMING_DOC}`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cron?: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin', description: 'IANA time zone the cron expression is read in' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  timezone?: string;

  @ApiPropertyOptional({ example: 3600000, description: `Milliseconds between runs. ${TIMING_DOC}` })
  @IsOptional()
  @IsInt()
  intervalMs?: number;

  @ApiPropertyOptional({ format: 'date-time', description: 'No run before this' })
  @IsOptional()
  @IsDateString({ strict: true })
  startAt?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'No run after this' })
  @IsOptional()
  @IsDateString({ strict: true })
  endAt?: string;

  @ApiPropertyOptional({ default: true, description: 'false: created paused' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class CreateScheduleDto extends ScheduleFieldsDto {
  @ApiProperty({ maxLength: 200, example: 'Nightly protocol scrape' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @IsNotBlank()
  name!: string;

  @ApiProperty({ enum: SCHEDULE_KINDS, enumName: 'ScheduleKind' })
  @IsIn(SCHEDULE_KINDS)
  kind!: ScheduleKind;

  @ApiProperty({
    description: 'What each run does, by kind',
    oneOf: CONFIG_SCHEMAS,
  })
  @IsObject()
  config!: Record<string, unknown>;
}

export class UpdateScheduleDto extends ScheduleFieldsDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @IsNotBlank()
  name?: string;

  @ApiPropertyOptional({
    description: "The kind's config, whole (an append schedule given new URLs starts a new data source)",
    oneOf: CONFIG_SCHEMAS,
  })
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;
}
