import { ApiProperty } from '@nestjs/swagger';
import { NotificationAttempt } from '@labwire/domain';

export class NotificationAttemptDto {
  @ApiProperty({ description: '1 for the first try' })
  attempt!: number;

  @ApiProperty({ format: 'date-time' })
  startedAt!: string;

  @ApiProperty()
  latencyMs!: number;

  @ApiProperty()
  ok!: boolean;

  @ApiProperty({ type: Number, nullable: true })
  statusCode!: number | null;

  @ApiProperty({ type: String, nullable: true })
  error!: string | null;

  static from(a: NotificationAttempt): NotificationAttemptDto {
    return {
      attempt: a.attempt,
      startedAt: a.startedAt.toISOString(),
      latencyMs: a.latencyMs,
      ok: a.ok,
      statusCode: a.statusCode,
      error: a.error,
    };
  }
}
