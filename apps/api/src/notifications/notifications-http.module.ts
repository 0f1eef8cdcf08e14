import { Module } from '@nestjs/common';
import { NotificationsModule } from '@labwire/domain';
import { WorkspacesHttpModule } from '../workspaces/workspaces-http.module';
import { NotificationChannelsController } from './notification-channels.controller';

/** Notification channels and their delivery log, over HTTP. Deliveries run in the worker. */
@Module({
  imports: [WorkspacesHttpModule, NotificationsModule],
  controllers: [NotificationChannelsController],
})
export class NotificationsHttpModule {}
