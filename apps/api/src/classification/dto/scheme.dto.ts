import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { ClassificationScheme, ClassificationSchemeVersion, SchemeDefinition } from '@labwire/domain';
import { CLASSIFICATION_MODES, ClassificationMode, RULE_TYPES, RuleType } from '@labwire/providers';

export class RuleViewDto {
  @ApiProperty({ enum: RULE_TYPES })
  type!: RuleType;

  @ApiProperty()
  pattern!: string;

  @ApiProperty()
  weight!: number;

  @ApiPropertyOptional({ description: 'regex rules' })
  caseSensitive?: boolean;
}

export class LabelViewDto {
  @ApiProperty()
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ type: [RuleViewDto] })
  rules!: RuleViewDto[];
}

export class ExampleViewDto {
  @ApiProperty()
  text!: string;

  @ApiProperty()
  label!: string;
}

/** The provider as it is shown: never the API key. */
export class ProviderViewDto {
  @ApiProperty({ enum: ['builtin', 'http'] })
  type!: 'builtin' | 'http';

  @ApiPropertyOptional({ description: 'http' })
  endpoint?: string;

  @ApiPropertyOptional({ description: 'http' })
  model?: string;

  @ApiPropertyOptional({ description: 'http: records per request' })
  batchSize?: number;

  @ApiPropertyOptional({ description: 'http: requests per minute' })
  requestsPerMinute?: number;

  @ApiPropertyOptional({ description: 'http: per request' })
  timeoutMs?: number;

  @ApiPropertyOptional({ description: 'http: further attempts of a request' })
  maxRetries?: number;

  @ApiPropertyOptional({ description: 'http: whether an API key is stored (it is never shown)' })
  apiKeySet?: boolean;
}

export class TrainingViewDto {
  @ApiProperty()
  metadataField!: string;

  @ApiProperty({ type: [String], format: 'uuid', nullable: true })
  datasourceIds!: string[] | null;
}

/** A scheme's definition: what a version freezes. */
export class SchemeDefinitionDto {
  @ApiProperty({ enum: CLASSIFICATION_MODES })
  mode!: ClassificationMode;

  @ApiProperty({ description: 'multi: a label applies above this probability' })
  threshold!: number;

  @ApiProperty({ type: [LabelViewDto] })
  labels!: LabelViewDto[];

  @ApiProperty({ type: [ExampleViewDto] })
  examples!: ExampleViewDto[];

  @ApiProperty({ type: ProviderViewDto })
  provider!: ProviderViewDto;

  @ApiProperty({ type: TrainingViewDto, nullable: true })
  training!: TrainingViewDto | null;

  static from(d: SchemeDefinition, apiKeySet?: boolean): SchemeDefinitionDto {
    return {
      mode: d.mode,
      threshold: d.threshold,
      labels: d.labels.map((l) => ({ name: l.name, description: l.description ?? null, rules: l.rules })),
      examples: d.examples,
      provider: d.provider.type === 'http' && apiKeySet !== undefined ? { ...d.provider, apiKeySet } : d.provider,
      training: d.training,
    };
  }
}

export class SchemeDto extends SchemeDefinitionDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  workspaceId!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ description: 'The current version; results keep the version they were made with', example: 1 })
  version!: number;

  @ApiProperty({ description: 'A classification job used the current version: the next change makes a new one' })
  versionFrozen!: boolean;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  createdBy!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static fromScheme(s: ClassificationScheme): SchemeDto {
    return {
      id: s.id,
      workspaceId: s.workspaceId,
      name: s.name,
      description: s.description,
      ...SchemeDefinitionDto.from(s.definition, s.apiKeySet),
      version: s.version,
      versionFrozen: s.versionFrozen,
      createdBy: s.createdBy,
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
    };
  }
}

/** A frozen version of a scheme. */
export class SchemeVersionDto extends SchemeDefinitionDto {
  @ApiProperty({ format: 'uuid' })
  schemeId!: string;

  @ApiProperty({ example: 1 })
  version!: number;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ format: 'date-time', description: 'When a classification job first used it' })
  createdAt!: string;

  static fromVersion(v: ClassificationSchemeVersion): SchemeVersionDto {
    return {
      schemeId: v.schemeId,
      version: v.version,
      name: v.name,
      description: v.description,
      ...SchemeDefinitionDto.from(v.definition),
      createdAt: v.createdAt.toISOString(),
    };
  }
}

/** A scheme as lists show it: its examples counted, not listed. */
export class SchemeSummaryDto extends OmitType(SchemeDto, ['examples'] as const) {
  @ApiProperty({ description: 'How many examples it has (GET the scheme for them)' })
  exampleCount!: number;

  static fromSummary(s: ClassificationScheme): SchemeSummaryDto {
    const { examples, ...rest } = SchemeDto.fromScheme(s);
    return { ...rest, exampleCount: examples.length };
  }
}
