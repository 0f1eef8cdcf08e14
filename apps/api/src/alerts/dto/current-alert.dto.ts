import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { ALERT_STATES } from '@labwire/domain';
import { AlertDisplayDto } from './alert-config.dto';

export class CurrentAlertQueryDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      "Only alerts of this location's instruments, as on `…/locations/{locationId}/alerts/current`; " +
      'an unknown location is a 404',
  })
  @IsOptional()
  @IsUUID()
  locationId?: string;
}

/** The body of GET …/alerts/current and of the retained `…/alerts/current` MQTT messages. */
export class CurrentAlertDto {
  @ApiProperty({ description: 'false: nothing to show (no open alert, or every open one silenced)' })
  active!: boolean;

  @ApiProperty({
    description:
      'Rises with every publication of this workspace (all its topics): a display ignores a message whose seq is not above the last it showed',
  })
  seq!: number;

  @ApiPropertyOptional({ format: 'uuid' })
  alertId?: string;

  @ApiPropertyOptional()
  key?: string;

  @ApiPropertyOptional({ description: "The config's name" })
  name?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 5 })
  priority?: number;

  @ApiPropertyOptional({ enum: ALERT_STATES })
  state?: string;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true })
  instrumentId?: string | null;

  @ApiPropertyOptional({ type: AlertDisplayDto })
  display?: AlertDisplayDto;

  @ApiPropertyOptional({ type: String, nullable: true })
  note?: string | null;

  @ApiPropertyOptional()
  triggerCount?: number;

  @ApiPropertyOptional({ format: 'date-time' })
  lastTriggeredAt?: string;
}
