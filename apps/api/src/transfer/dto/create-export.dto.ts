import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDateString,
  IsIn,
  IsOptional,
  IsUUID,
  ValidateNested,
} from 'class-validator';
import { EXPORT_INCLUDES, ExportInclude } from '@labwire/domain';

export class TelemetryWindowDto {
  @ApiProperty({ format: 'date-time', example: '2026-12-01T00:00:00Z' })
  @IsDateString({ strict: true })
  from!: string;

  @ApiProperty({ format: 'date-time', example: '2026-12-02T00:00:00Z', description: 'exclusive' })
  @IsDateString({ strict: true })
  to!: string;

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'only these instruments (default: all)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  instrumentIds?: string[];
}

export class CreateExportDto {
  @ApiProperty({
    enum: EXPORT_INCLUDES,
    isArray: true,
    example: ['locations', 'instruments', 'classification-schemes', 'datasources', 'classification-jobs'],
    description:
      'What the document holds. What an included kind refers to comes along (classification-jobs brings ' +
      'classification-schemes and datasources; telemetry brings instruments; alert-configs brings ' +
      'notification-channels; alert-rules brings instruments and locations; schedules brings instruments and ' +
      'classification-schemes, and a schedule naming a data source is left out unless datasources is included). ' +
      'Secrets are never exported (webhook signing secrets, instrument MQTT secrets, provider API keys). ' +
      'telemetry needs `telemetry`.',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(EXPORT_INCLUDES, { each: true })
  include!: ExportInclude[];

  @ApiPropertyOptional({ type: TelemetryWindowDto, description: 'the readings window, with include telemetry' })
  @IsOptional()
  @ValidateNested()
  @Type(() => TelemetryWindowDto)
  telemetry?: TelemetryWindowDto;
}
