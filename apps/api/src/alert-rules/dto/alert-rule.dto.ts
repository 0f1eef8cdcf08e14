import { ApiProperty } from '@nestjs/swagger';
import { AlertRule, AlertRuleStateRow, RULE_CONDITIONS, RULE_KINDS, ruleInputOf } from '@labwire/domain';
import { RuleRangeDto, RuleScopeDto } from './rule-parts.dto';

export class AlertRuleDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  workspaceId!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ enum: RULE_KINDS, enumName: 'AlertRuleKind' })
  kind!: string;

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({ type: RuleScopeDto })
  scope!: RuleScopeDto;

  @ApiProperty({ type: String, nullable: true })
  metric!: string | null;

  @ApiProperty({ enum: RULE_CONDITIONS, enumName: 'AlertRuleCondition', nullable: true })
  condition!: string | null;

  @ApiProperty({ type: Number, nullable: true })
  threshold!: number | null;

  @ApiProperty({ type: RuleRangeDto, nullable: true })
  range!: RuleRangeDto | null;

  @ApiProperty({ type: Number, nullable: true })
  clearThreshold!: number | null;

  @ApiProperty({ type: RuleRangeDto, nullable: true })
  clearRange!: RuleRangeDto | null;

  @ApiProperty()
  forSeconds!: number;

  @ApiProperty()
  clearForSeconds!: number;

  @ApiProperty({ type: Number, nullable: true })
  noDataSeconds!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  priority!: number | null;

  @ApiProperty()
  alertKey!: string;

  @ApiProperty({ description: 'Increases on every change; also the ETag', example: 1 })
  version!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(r: AlertRule): AlertRuleDto {
    const input = ruleInputOf(r);
    return {
      id: r.id,
      workspaceId: r.workspaceId,
      name: r.name,
      description: r.description,
      kind: r.kind,
      enabled: r.enabled,
      scope: {
        instrumentId: r.instrumentId,
        instrumentType: r.instrumentType,
        locationId: r.locationId,
      },
      metric: r.metric,
      condition: r.condition,
      threshold: input.threshold ?? null,
      range: input.range ?? null,
      clearThreshold: input.clearThreshold ?? null,
      clearRange: input.clearRange ?? null,
      forSeconds: r.forSeconds,
      clearForSeconds: r.clearForSeconds,
      noDataSeconds: r.noDataSeconds,
      priority: r.priority,
      alertKey: r.alertKey,
      version: r.version,
      createdAt: new Date(r.createdAt).toISOString(),
      updatedAt: new Date(r.updatedAt).toISOString(),
    };
  }
}

/** A rule's evaluation state on one instrument. */
export class AlertRuleStateDto {
  @ApiProperty({ format: 'uuid' })
  instrumentId!: string;

  @ApiProperty({ enum: ['idle', 'pending', 'firing', 'clearing'] })
  phase!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'pending since, or clearing since' })
  since!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  firingSince!: string | null;

  @ApiProperty({ description: 'Whether the current firing raised an alert (false: suppressed)' })
  alerted!: boolean;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The last firing suppressed because the instrument was in maintenance or retired',
  })
  suppressedAt!: string | null;

  @ApiProperty({ description: 'Firings suppressed so far' })
  suppressedCount!: number;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(s: AlertRuleStateRow): AlertRuleStateDto {
    const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
    return {
      instrumentId: s.instrumentId,
      phase: s.phase,
      since: iso(s.since),
      firingSince: iso(s.firingSince),
      alerted: s.alerted,
      suppressedAt: iso(s.suppressedAt),
      suppressedCount: s.suppressedCount,
      updatedAt: new Date(s.updatedAt).toISOString(),
    };
  }
}
