export * from './mail-delivery.service';
export * from './mail.service';
export * from './mailing.module';
