import { ApiProperty } from '@nestjs/swagger';
import { NotificationChannelDto } from './notification-channel.dto';

/** Answered once, at creation or rotation: the webhook signing secret is never shown again. */
export class NotificationChannelWithSecretDto extends NotificationChannelDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'whsec_3q2-7wE…',
    description:
      'webhook: the HMAC-SHA256 signing secret, shown only now (store it in the receiver); null for email channels',
  })
  secret!: string | null;
}
