import { Injectable } from '@nestjs/common';
import { Page, PageRequest, toPage } from '@labwire/core';
import { NotificationAttempt } from './notification-attempt.entity';
import { NotificationChannelRepository } from './notification-channel.repository';
import { DeliveryEvent, DeliveryStatus, NotificationDelivery } from './notification-delivery.entity';
import { NotificationDeliveryRepository } from './notification-delivery.repository';
import { NotificationChannelNotFoundError, NotificationDeliveryNotFoundError } from './notifications.errors';

/** The delivery log of a channel: what was sent, how it ended, and every attempt. */
@Injectable()
export class NotificationLogService {
  constructor(
    private readonly channels: NotificationChannelRepository,
    private readonly deliveries: NotificationDeliveryRepository,
  ) {}

  async list(
    workspaceId: string,
    channelId: string,
    filter: { status?: DeliveryStatus; event?: DeliveryEvent; alertId?: string },
    page: PageRequest,
  ): Promise<Page<NotificationDelivery>> {
    if (!(await this.channels.findInWorkspace(workspaceId, channelId)))
      throw new NotificationChannelNotFoundError(channelId);
    const [items, total] = await this.deliveries.listInChannel(workspaceId, channelId, filter, page);
    return toPage(items, total, page);
  }

  async get(
    workspaceId: string,
    channelId: string,
    id: string,
  ): Promise<{ delivery: NotificationDelivery; attempts: NotificationAttempt[] }> {
    const delivery = await this.deliveries.findInChannel(workspaceId, channelId, id);
    if (!delivery) throw new NotificationDeliveryNotFoundError(id);
    return { delivery, attempts: await this.deliveries.attempts(id) };
  }
}
