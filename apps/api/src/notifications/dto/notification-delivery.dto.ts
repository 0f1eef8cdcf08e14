import { ApiProperty } from '@nestjs/swagger';
import {
  DELIVERY_EVENTS,
  DELIVERY_STATUSES,
  DeliveryEvent,
  DeliveryStatus,
  NotificationDelivery,
} from '@labwire/domain';

export class NotificationDeliveryDto {
  @ApiProperty({ format: 'uuid', description: 'also sent as the X-Labwire-Delivery header' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  channelId!: string;

  @ApiProperty({ enum: DELIVERY_EVENTS })
  event!: DeliveryEvent;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  alertId!: string | null;

  @ApiProperty({
    enum: DELIVERY_STATUSES,
    description:
      'pending (queued or retrying), succeeded, failed (attempts exhausted or refused), suppressed (a silence covered the alert: recorded, not sent)',
  })
  status!: DeliveryStatus;

  @ApiProperty({ description: 'attempts made so far' })
  attempts!: number;

  @ApiProperty({ type: Number, nullable: true, description: 'the last attempt: HTTP status the receiver answered' })
  lastStatusCode!: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'the last attempt: why it failed' })
  lastError!: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'the last attempt: milliseconds until the answer' })
  lastLatencyMs!: number | null;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the JSON document sent' })
  payload!: Record<string, unknown>;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  completedAt!: string | null;

  static from(d: NotificationDelivery): NotificationDeliveryDto {
    return {
      id: d.id,
      channelId: d.channelId,
      event: d.event,
      alertId: d.alertId,
      status: d.status,
      attempts: d.attempts,
      lastStatusCode: d.lastStatusCode,
      lastError: d.lastError,
      lastLatencyMs: d.lastLatencyMs,
      payload: d.payload,
      createdAt: new Date(d.createdAt).toISOString(),
      completedAt: d.completedAt ? new Date(d.completedAt).toISOString() : null,
    };
  }
}
