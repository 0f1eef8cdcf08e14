import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional } from 'class-validator';
import { ALERT_STATS_GROUPS, AlertStatsGroupBy } from '@labwire/domain';

export class AlertStatsQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Alerts opened from (default: 7 days before `to`)' })
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Alerts opened before (default: now)' })
  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;

  @ApiPropertyOptional({ enum: ALERT_STATS_GROUPS })
  @IsOptional()
  @IsIn(ALERT_STATS_GROUPS)
  groupBy?: AlertStatsGroupBy;
}

export class DurationStatsDto {
  @ApiProperty()
  count!: number;

  @ApiProperty({ type: Number, nullable: true })
  meanSeconds!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  p90Seconds!: number | null;
}

export class AlertStatsFiguresDto {
  @ApiProperty({ description: 'Alerts opened in the window' })
  opened!: number;

  @ApiProperty({ description: 'Triggers of those alerts, the opening one included' })
  triggers!: number;

  @ApiProperty()
  acknowledged!: number;

  @ApiProperty()
  resolved!: number;

  @ApiProperty({ type: DurationStatsDto, description: 'From opening to acknowledgement' })
  timeToAcknowledge!: DurationStatsDto;

  @ApiProperty({ type: DurationStatsDto, description: 'From opening to resolution' })
  timeToResolve!: DurationStatsDto;

  @ApiProperty({ description: 'Alerts opened within an hour after the same key and instrument was resolved' })
  flapping!: number;
}

export class AlertStatsGroupDto extends AlertStatsFiguresDto {
  @ApiProperty({ type: String, nullable: true, description: 'The key, priority or instrument id' })
  group!: string | null;
}

export class OpenNowDto {
  @ApiProperty()
  total!: number;

  @ApiProperty()
  active!: number;

  @ApiProperty()
  acknowledged!: number;
}

export class NoisyKeyDto {
  @ApiProperty()
  key!: string;

  @ApiProperty()
  triggers!: number;
}

export class AlertStatsDto extends AlertStatsFiguresDto {
  @ApiProperty({ format: 'date-time' })
  from!: string;

  @ApiProperty({ format: 'date-time' })
  to!: string;

  @ApiProperty({ type: OpenNowDto })
  openNow!: OpenNowDto;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'Transitions recorded in the window, by action',
  })
  transitions!: Record<string, number>;

  @ApiProperty({ type: [NoisyKeyDto], description: 'Most triggers in the window first (at most 10)' })
  noisiestKeys!: NoisyKeyDto[];

  @ApiProperty({ type: String, enum: ALERT_STATS_GROUPS, nullable: true })
  groupBy!: string | null;

  @ApiProperty({ type: [AlertStatsGroupDto] })
  groups!: AlertStatsGroupDto[];
}
