import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import {
  ALERT_ACTIONS,
  ALERT_ACTOR_KINDS,
  ALERT_STATES,
  AlertAction,
  AlertActorKind,
  AlertState,
} from '@labwire/domain';
import { PageQueryDto } from '../../common/dto/page-query.dto';

const splitList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;

const numbers = ({ value }: { value: unknown }) => {
  const list = splitList({ value });
  return Array.isArray(list) ? list.map((v) => (/^\d+$/.test(String(v)) ? Number(v) : v)) : list;
};

export class AlertRangeQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'From this instant (inclusive)' })
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Until this instant (exclusive)' })
  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;

  @ApiPropertyOptional({ example: 'freezer-temp-high' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  key?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  instrumentId?: string;
}

export class ListAlertsQueryDto extends AlertRangeQueryDto {
  @ApiPropertyOptional({ description: `Comma-separated states (${ALERT_STATES.join(', ')})`, example: 'active' })
  @IsOptional()
  @Transform(splitList)
  @IsIn(ALERT_STATES, { each: true })
  @ArrayMaxSize(ALERT_STATES.length)
  state?: AlertState[];

  @ApiPropertyOptional({ description: 'Comma-separated priorities (1–5)', example: '1,2' })
  @IsOptional()
  @Transform(numbers)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(5, { each: true })
  @ArrayMaxSize(5)
  priority?: number[];
}

export class ListAlertHistoryQueryDto extends AlertRangeQueryDto {
  @ApiPropertyOptional({ description: `Comma-separated actions (${ALERT_ACTIONS.join(', ')})`, example: 'triggered' })
  @IsOptional()
  @Transform(splitList)
  @IsIn(ALERT_ACTIONS, { each: true })
  @ArrayMaxSize(ALERT_ACTIONS.length)
  action?: AlertAction[];

  @ApiPropertyOptional({ enum: ALERT_ACTOR_KINDS })
  @IsOptional()
  @IsIn(ALERT_ACTOR_KINDS)
  actorKind?: AlertActorKind;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  alertId?: string;
}
