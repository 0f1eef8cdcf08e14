import { Module } from '@nestjs/common';
import { MailModule } from '@labwire/providers';
import { MailDeliveryService } from './mail-delivery.service';
import { MailService } from './mail.service';

/** Mail as the domain uses it: MailService queues (api), MailDeliveryService sends (worker). */
@Module({
  imports: [MailModule],
  providers: [MailService, MailDeliveryService],
  exports: [MailService, MailDeliveryService],
})
export class MailingModule {}
