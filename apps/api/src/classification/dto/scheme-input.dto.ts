import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { SCHEME_LIMITS } from '@labwire/domain';
import { CLASSIFICATION_MODES, ClassificationMode, RULE_TYPES, RuleType } from '@labwire/providers';
import { IsNotBlank } from '../../common/dto/not-blank.decorator';

export class RuleDto {
  @ApiProperty({
    enum: RULE_TYPES,
    description:
      'keyword: a word or phrase matched on whole words, ignoring case; regex: an ECMAScript pattern (unicode mode)',
  })
  @IsIn(RULE_TYPES)
  type!: RuleType;

  @ApiProperty({
    maxLength: SCHEME_LIMITS.rulePattern,
    example: 'pH meter',
    description:
      'Regexes that can backtrack badly are refused: nested repetition ((a+)+), repeated overlapping alternatives ((a|ab)*), ' +
      'backreferences, runs of repetitions matching the same characters (\\w+\\s*\\w+), {n,m} over 100',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(SCHEME_LIMITS.rulePattern)
  pattern!: string;

  @ApiPropertyOptional({
    default: 1,
    minimum: -SCHEME_LIMITS.ruleWeight,
    maximum: SCHEME_LIMITS.ruleWeight,
    description:
      "Added to the label's log-odds when the rule matches: +1 multiplies its odds by e (≈ 2.7); negative votes against; not 0",
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-SCHEME_LIMITS.ruleWeight)
  @Max(SCHEME_LIMITS.ruleWeight)
  weight?: number;

  @ApiPropertyOptional({ default: false, description: 'regex only: match case-sensitively' })
  @IsOptional()
  @IsBoolean()
  caseSensitive?: boolean;
}

export class LabelDto {
  @ApiProperty({
    maxLength: SCHEME_LIMITS.labelName,
    example: 'spill',
    description: 'Unique in the scheme, ignoring case',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(SCHEME_LIMITS.labelName)
  @IsNotBlank()
  name!: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: SCHEME_LIMITS.labelDescription })
  @IsOptional()
  @IsString()
  @MaxLength(SCHEME_LIMITS.labelDescription)
  description?: string | null;

  @ApiPropertyOptional({ type: [RuleDto], maxItems: SCHEME_LIMITS.rulesPerLabel })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(SCHEME_LIMITS.rulesPerLabel)
  @ValidateNested({ each: true })
  @Type(() => RuleDto)
  rules?: RuleDto[];
}

export class ExampleDto {
  @ApiProperty({ maxLength: SCHEME_LIMITS.exampleText, example: 'Acid spilled next to the fume hood' })
  @IsString()
  @MinLength(1)
  @MaxLength(SCHEME_LIMITS.exampleText)
  text!: string;

  @ApiProperty({ example: 'spill', description: 'One of the labels (any case)' })
  @IsString()
  @MinLength(1)
  @MaxLength(SCHEME_LIMITS.labelName)
  label!: string;
}

const PROVIDER_TYPES = ['builtin', 'http'] as const;

/** The provider as clients send it. */
export class ProviderInputDto {
  @ApiProperty({
    enum: PROVIDER_TYPES,
    description: 'builtin: rules plus naive Bayes, in the worker; http: an OpenAI-compatible chat-completions endpoint',
  })
  @IsIn(PROVIDER_TYPES)
  type!: 'builtin' | 'http';

  @ApiPropertyOptional({
    maxLength: SCHEME_LIMITS.endpoint,
    example: 'https://api.example.com/v1',
    description:
      'http: the base URL (…/v1) or the chat-completions URL; private addresses only as CLASSIFY_ALLOW_PRIVATE_NETWORKS allows',
  })
  @IsOptional()
  @IsString()
  @MaxLength(SCHEME_LIMITS.endpoint)
  endpoint?: string;

  @ApiPropertyOptional({ maxLength: SCHEME_LIMITS.model, example: 'gpt-4o-mini' })
  @IsOptional()
  @IsString()
  @MaxLength(SCHEME_LIMITS.model)
  model?: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    writeOnly: true,
    maxLength: SCHEME_LIMITS.apiKey,
    description:
      'http: sent as a Bearer token. Write-only: stored encrypted, never returned (apiKeySet says whether one is stored). ' +
      'null removes it; left out, the stored one is kept, unless the endpoint moves to another origin',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(SCHEME_LIMITS.apiKey)
  apiKey?: string | null;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20, description: 'http: records per request' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  batchSize?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 10_000,
    default: 60,
    description: 'http: requests per minute, shared by every worker',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  requestsPerMinute?: number;

  @ApiPropertyOptional({
    minimum: 1000,
    maximum: 600_000,
    default: 60_000,
    description: 'http: time allowed for one request',
  })
  @IsOptional()
  @IsInt()
  @Min(1000)
  @Max(600_000)
  timeoutMs?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 10,
    default: 4,
    description: 'http: further attempts after 429, 5xx, a timeout or a malformed answer',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10)
  maxRetries?: number;
}

export class TrainingDto {
  @ApiProperty({
    maxLength: 200,
    example: 'label',
    description: 'A metadata field (e.g. a CSV column): records whose value is exactly a label name train that label',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @IsNotBlank()
  metadataField!: string;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    nullable: true,
    maxItems: SCHEME_LIMITS.datasourceIds,
    description: 'Only these data sources; null or left out: every data source of the workspace',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(SCHEME_LIMITS.datasourceIds)
  @IsUUID('all', { each: true })
  datasourceIds?: string[] | null;
}

/** The fields of a scheme, as create takes them (update: each optional). */
export class SchemeFieldsDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Incident type', description: 'Unique in the workspace' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @IsNotBlank()
  name!: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiProperty({ enum: CLASSIFICATION_MODES, description: 'single: exactly one label per record; multi: any number' })
  @IsIn(CLASSIFICATION_MODES)
  mode!: ClassificationMode;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 0.999,
    default: 0.5,
    description: 'multi: a label applies above this probability',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(0.999)
  threshold?: number;

  @ApiProperty({
    type: [LabelDto],
    minItems: 1,
    maxItems: SCHEME_LIMITS.labels,
    description: 'single mode: at least 2',
  })
  @IsArray()
  @ArrayMaxSize(SCHEME_LIMITS.labels)
  @ValidateNested({ each: true })
  @Type(() => LabelDto)
  labels!: LabelDto[];

  @ApiPropertyOptional({
    type: [ExampleDto],
    maxItems: SCHEME_LIMITS.examples,
    description: 'Texts and their label: train the built-in model; a few are shown to HTTP models',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(SCHEME_LIMITS.examples)
  @ValidateNested({ each: true })
  @Type(() => ExampleDto)
  examples?: ExampleDto[];

  @ApiPropertyOptional({ type: ProviderInputDto, description: 'Default: builtin' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ProviderInputDto)
  provider?: ProviderInputDto;

  @ApiPropertyOptional({ type: TrainingDto, nullable: true, description: 'builtin: also train on labelled records' })
  @IsOptional()
  @ValidateNested()
  @Type(() => TrainingDto)
  training?: TrainingDto | null;
}
