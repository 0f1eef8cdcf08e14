import { ApiProperty } from '@nestjs/swagger';
import { TELEMETRY_DROP_REASONS, TelemetryDropReason, TelemetryDropSummary } from '@labwire/domain';

export class TelemetryDropsDto {
  @ApiProperty({ format: 'uuid' })
  instrumentId!: string;

  @ApiProperty({ description: 'Telemetry messages of this instrument dropped since it was created', example: 3 })
  total!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer', minimum: 1 },
    description:
      'Drops by reason: too_large, malformed_json, invalid_schema (e.g. a value that is not a number), ' +
      'bad_timestamp (e.g. ts in seconds), too_many_readings, retired_instrument, rate_limited ' +
      '(over MQTT_INSTRUMENT_MAX_MESSAGES_PER_S). Reasons never seen are left out.',
    example: { bad_timestamp: 2, rate_limited: 1 },
  })
  byReason!: Partial<Record<TelemetryDropReason, number>>;

  @ApiProperty({ enum: TELEMETRY_DROP_REASONS, enumName: 'TelemetryDropReason', nullable: true })
  lastReason!: TelemetryDropReason | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'What was wrong with the last dropped message',
    example: 'ts 1733318400 looks like seconds; ts is epoch milliseconds (or ISO-8601 with a zone)',
  })
  lastDetail!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the last drop happened' })
  lastAt!: string | null;

  static from(s: TelemetryDropSummary): TelemetryDropsDto {
    return {
      instrumentId: s.instrumentId,
      total: s.total,
      byReason: s.byReason,
      lastReason: s.lastReason,
      lastDetail: s.lastDetail,
      lastAt: s.lastAt ? s.lastAt.toISOString() : null,
    };
  }
}
