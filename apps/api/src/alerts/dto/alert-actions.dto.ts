import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { MAX_ALERT_NOTE_LENGTH } from '@labwire/domain';

export class AcknowledgeAlertDto {
  @ApiPropertyOptional({ type: String, maxLength: MAX_ALERT_NOTE_LENGTH, example: 'On my way' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_ALERT_NOTE_LENGTH)
  note?: string | null;
}

export class ClearAlertDto extends AcknowledgeAlertDto {
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: "The instrument whose alert is cleared; without it, the key's alert without instrument",
  })
  @IsOptional()
  @IsUUID()
  instrumentId?: string | null;
}

export class TriggerAlertDto extends ClearAlertDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 5,
    description:
      "1 (most urgent) to 5; default the config's defaultPriority (a re-trigger without it keeps the priority)",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  priority?: number;
}
