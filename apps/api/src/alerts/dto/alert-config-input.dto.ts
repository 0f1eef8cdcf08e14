import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ALERT_COLOR_PATTERN, ALERT_EFFECTS, AlertEffect } from '@labwire/domain';
import { IsNotBlank } from '../../common/dto/not-blank.decorator';

export class AlertDisplayInputDto {
  @ApiPropertyOptional({
    example: '#FF8800',
    description: 'A named colour (red, orange, amber, yellow, green, blue, white, purple) or #RRGGBB',
  })
  @IsOptional()
  @IsString()
  @Matches(ALERT_COLOR_PATTERN, { message: 'color must be a named colour or #RRGGBB' })
  color?: string;

  @ApiPropertyOptional({ enum: ALERT_EFFECTS, example: 'blink' })
  @IsOptional()
  @IsIn(ALERT_EFFECTS)
  effect?: AlertEffect;
}

const DURATION_MAX = 365 * 86400;

/** The writable fields of an alert config (every one optional: PATCH sends only what changes). */
export class AlertConfigInputDto {
  @ApiPropertyOptional({ example: 'Freezer too warm', maxLength: 200, description: 'Default: the key' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @IsNotBlank()
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiPropertyOptional({ minimum: 1, maximum: 5, default: 3, description: '1 is the most urgent' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  defaultPriority?: number;

  @ApiPropertyOptional({ type: AlertDisplayInputDto, description: 'What a display shows: default red, steady' })
  @IsOptional()
  @ValidateNested()
  @Type(() => AlertDisplayInputDto)
  display?: AlertDisplayInputDto;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: DURATION_MAX,
    example: 3600,
    description: 'Seconds after its last trigger at which an alert nobody cleared resolves by itself (null: never)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(DURATION_MAX)
  autoResolveAfter?: number | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: DURATION_MAX,
    example: 900,
    description:
      'Seconds an alert may stay unacknowledged before it rises one priority step, and again after as long (null: never)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(DURATION_MAX)
  escalateAfter?: number | null;

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Notification channels of the workspace' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  notificationChannelIds?: string[];

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 5,
    default: 5,
    description: 'Alerts of this priority or more urgent notify (5: all of them)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  notifyMinPriority?: number;
}

export class CreateAlertConfigDto extends AlertConfigInputDto {
  @ApiProperty({
    example: 'freezer-temp-high',
    maxLength: 100,
    description: 'Slug (lowercase letters, digits, ".", "_", "-"), unique in the workspace',
  })
  @IsString()
  @MaxLength(100)
  key!: string;
}
