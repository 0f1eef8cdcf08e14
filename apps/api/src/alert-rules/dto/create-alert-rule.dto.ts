import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  ALERT_KEY_PATTERN,
  RULE_CONDITIONS,
  RULE_KINDS,
  RULE_MAX_SECONDS,
  RuleCondition,
  RuleKind,
} from '@labwire/domain';
import { IsNotBlank } from '../../common/dto/not-blank.decorator';
import { RuleRangeDto, RuleScopeDto } from './rule-parts.dto';

const finite = { allowNaN: false, allowInfinity: false };

export class CreateAlertRuleDto {
  @ApiProperty({ example: 'Freezer too warm', minLength: 1, maxLength: 200 })
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

  @ApiPropertyOptional({
    enum: RULE_KINDS,
    enumName: 'AlertRuleKind',
    default: 'threshold',
    description:
      'threshold: a metric crosses a threshold; no_data: no reading of a metric for noDataSeconds; connectivity: the instrument is offline',
  })
  @IsOptional()
  @IsIn(RULE_KINDS)
  kind?: RuleKind;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiProperty({
    type: RuleScopeDto,
    description: 'One instrument, or instruments by type and/or location; must match at least one instrument',
  })
  @ValidateNested()
  @Type(() => RuleScopeDto)
  scope!: RuleScopeDto;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'temperature',
    maxLength: 200,
    description: 'threshold and no_data rules',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  metric?: string | null;

  @ApiPropertyOptional({
    enum: RULE_CONDITIONS,
    enumName: 'AlertRuleCondition',
    nullable: true,
    description: 'threshold rules',
  })
  @IsOptional()
  @IsIn(RULE_CONDITIONS)
  condition?: RuleCondition | null;

  @ApiPropertyOptional({ type: Number, nullable: true, example: -15, description: 'above / below' })
  @IsOptional()
  @IsNumber(finite)
  threshold?: number | null;

  @ApiPropertyOptional({ type: RuleRangeDto, nullable: true, description: 'outside / inside: [low, high]' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RuleRangeDto)
  range?: RuleRangeDto | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    example: -18,
    description:
      'Hysteresis for above / below: a firing rule clears only past this (at most the threshold for above, at least for below)',
  })
  @IsOptional()
  @IsNumber(finite)
  clearThreshold?: number | null;

  @ApiPropertyOptional({
    type: RuleRangeDto,
    nullable: true,
    description:
      'Hysteresis for outside (clears back inside this narrower range) / inside (clears outside this wider range)',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RuleRangeDto)
  clearRange?: RuleRangeDto | null;

  @ApiPropertyOptional({
    default: 0,
    minimum: 0,
    maximum: RULE_MAX_SECONDS,
    description: 'The condition must hold this long before the rule fires (pending meanwhile)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(RULE_MAX_SECONDS)
  forSeconds?: number;

  @ApiPropertyOptional({
    default: 0,
    minimum: 0,
    maximum: RULE_MAX_SECONDS,
    description: 'The clear condition must hold this long before a firing rule clears',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(RULE_MAX_SECONDS)
  clearForSeconds?: number;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: RULE_MAX_SECONDS,
    description: 'no_data rules: fire after this long without a reading of the metric',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(RULE_MAX_SECONDS)
  noDataSeconds?: number | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: 5,
    description: "1 most urgent; null: the alert config's default",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  priority?: number | null;

  @ApiProperty({
    example: 'freezer-warm',
    maxLength: 100,
    description: 'The alert key the rule triggers and clears (per instrument)',
  })
  @IsString()
  @MaxLength(100)
  @Matches(ALERT_KEY_PATTERN, { message: 'alertKey must be a slug: lowercase letters, digits, ".", "_" or "-"' })
  alertKey!: string;
}
