import { ApiProperty } from '@nestjs/swagger';
import { NotificationAttemptDto } from './notification-attempt.dto';
import { NotificationDeliveryDto } from './notification-delivery.dto';

export class NotificationDeliveryDetailDto extends NotificationDeliveryDto {
  @ApiProperty({ type: [NotificationAttemptDto], description: 'every attempt, first to last' })
  attemptLog!: NotificationAttemptDto[];
}
