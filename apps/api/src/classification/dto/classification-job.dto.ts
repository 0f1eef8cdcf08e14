import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { ClassificationResult, JOB_STATUSES, JobLabelCounts, JobStatus, MAX_JOB_DATASOURCES } from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';

/** Which records, by the records list's filters. */
export class RecordSelectionFilterDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  datasourceId?: string;

  @ApiPropertyOptional({ description: 'Full-text search over the text (as GET …/records?q=)', example: 'spill -drill' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  q?: string;

  @ApiPropertyOptional({ description: 'A metadata field that must equal metadataValue' })
  @ValidateIf((o: RecordSelectionFilterDto) => o.metadataValue !== undefined || o.metadataKey !== undefined)
  @IsDefined({ message: 'metadataKey and metadataValue go together' })
  @IsString()
  @MaxLength(200)
  metadataKey?: string;

  @ApiPropertyOptional({ description: 'The value metadataKey must have (compared as text)' })
  @ValidateIf((o: RecordSelectionFilterDto) => o.metadataValue !== undefined || o.metadataKey !== undefined)
  @IsDefined({ message: 'metadataKey and metadataValue go together' })
  @IsString()
  @MaxLength(1000)
  metadataValue?: string;
}

export class CreateClassificationJobDto {
  @ApiProperty({
    format: 'uuid',
    description: 'The scheme; the job runs with its current version (frozen from now on)',
  })
  @IsUUID()
  schemeId!: string;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    minItems: 1,
    maxItems: MAX_JOB_DATASOURCES,
    description: 'Classify these data sources’ records (or give filter)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_JOB_DATASOURCES)
  @IsUUID('all', { each: true })
  datasourceIds?: string[];

  @ApiPropertyOptional({
    type: RecordSelectionFilterDto,
    description: 'Classify the records this filter finds (or give datasourceIds); {} is every record of the workspace',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RecordSelectionFilterDto)
  filter?: RecordSelectionFilterDto;
}

export class ListClassificationJobsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: JOB_STATUSES })
  @IsOptional()
  @IsIn(JOB_STATUSES)
  status?: JobStatus;
}

export class ResultFilterQueryDto {
  @ApiPropertyOptional({ description: 'Only results carrying this label (a label of the job’s scheme version)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  label?: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 1,
    description: "Only results at least this confident (with label: that label's confidence)",
  })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  minConfidence?: number;
}

export class ListResultsQueryDto extends IntersectionType(PageQueryDto, ResultFilterQueryDto) {}

export class LabelCountsQueryDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'Count only labels given with at least this confidence' })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  minConfidence?: number;
}

export class ResultLabelDto {
  @ApiProperty({ example: 'spill' })
  label!: string;

  @ApiProperty({ minimum: 0, maximum: 1, example: 0.93 })
  confidence!: number;
}

export class ClassificationResultDto {
  @ApiProperty({ format: 'uuid' })
  recordId!: string;

  @ApiProperty({ format: 'uuid' })
  datasourceId!: string;

  @ApiProperty({ description: "The record's place in its data source (as GET …/records shows it)" })
  position!: number;

  @ApiProperty({ description: "The record's text (its first 500 characters)" })
  text!: string;

  @ApiProperty({
    type: [ResultLabelDto],
    description: 'single: one label; multi: those that apply, most confident first',
  })
  labels!: ResultLabelDto[];

  @ApiProperty({
    minimum: 0,
    maximum: 1,
    description:
      "single: the label's; multi: the highest assigned label's, or 1 − the highest probability when none applies",
  })
  confidence!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'builtin: {provider, rules (matched), tokens (top ones per label), scores}; http: {provider, model, reason}',
  })
  explanation!: Record<string, unknown>;

  @ApiProperty({ format: 'uuid' })
  schemeId!: string;

  @ApiProperty({ description: 'The scheme version the result was made with' })
  schemeVersion!: number;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The job that wrote it (possibly an earlier job of the same version)',
  })
  jobId!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static from(r: ClassificationResult): ClassificationResultDto {
    return {
      recordId: r.recordId,
      datasourceId: r.datasourceId,
      position: r.position,
      text: r.text,
      labels: r.labels,
      confidence: r.confidence,
      explanation: r.explanation,
      schemeId: r.schemeId,
      schemeVersion: r.schemeVersion,
      jobId: r.jobId,
      createdAt: r.createdAt.toISOString(),
    };
  }
}

export class LabelCountDto {
  @ApiProperty({ example: 'spill' })
  label!: string;

  @ApiProperty({ example: 42 })
  count!: number;
}

export class LabelCountsDto {
  @ApiProperty({ format: 'uuid' })
  schemeId!: string;

  @ApiProperty()
  schemeVersion!: number;

  @ApiProperty({ description: 'Results of the job (passing minConfidence)' })
  total!: number;

  @ApiProperty({ description: 'Of those, results with no label (multi-label schemes)' })
  unlabelled!: number;

  @ApiProperty({ type: [LabelCountDto], description: 'Every label of the version, in scheme order' })
  labels!: LabelCountDto[];

  static from(c: JobLabelCounts): LabelCountsDto {
    return { ...c };
  }
}
