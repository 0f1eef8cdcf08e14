import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import {
  AggregateTelemetryQueryDto,
  RawTelemetryQueryDto,
  TelemetryRangeQueryDto,
} from '../../telemetry/dto/telemetry-query.dto';

/** The telemetry query; from and to are narrowed to the run (or the step). */
export class ExperimentRawTelemetryQueryDto extends RawTelemetryQueryDto {
  @ApiPropertyOptional({ description: "only this step's window (its index)" })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000)
  step?: number;
}

export class ExperimentAggregateTelemetryQueryDto extends AggregateTelemetryQueryDto {
  @ApiPropertyOptional({ description: "only this step's window (its index)" })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000)
  step?: number;
}

export class ExperimentExportQueryDto extends TelemetryRangeQueryDto {}
