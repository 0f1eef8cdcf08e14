import { Module } from '@nestjs/common';
import { MailModule } from '@labwire/providers';
import { AuditModule } from '../audit/audit.module';
import { NotificationChannelRepository } from './notification-channel.repository';
import { NotificationChannelService } from './notification-channel.service';
import { NotificationDeliveryRepository } from './notification-delivery.repository';
import { NotificationDeliveryService } from './notification-delivery.service';
import { NotificationDispatcher } from './notification-dispatcher';
import { NotificationLogService } from './notification-log.service';
import { WebhookSecretCipher } from './webhook-secret-cipher';

/** Notification channels, deliveries and their log. Needs the QueueModule (global); mails through the one MailTransport. */
@Module({
  imports: [AuditModule, MailModule],
  providers: [
    NotificationChannelRepository,
    NotificationDeliveryRepository,
    WebhookSecretCipher,
    NotificationDispatcher,
    NotificationChannelService,
    NotificationDeliveryService,
    NotificationLogService,
  ],
  exports: [NotificationChannelService, NotificationDispatcher, NotificationDeliveryService, NotificationLogService],
})
export class NotificationsModule {}
