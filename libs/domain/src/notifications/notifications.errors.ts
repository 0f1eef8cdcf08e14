import { DomainError, NotFoundError } from '@labwire/core';

export class NotificationChannelNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('NOTIFICATION_CHANNEL_NOT_FOUND', 'Notification channel', id);
  }
}

export class NotificationChannelNameTakenError extends DomainError {
  constructor(name: string) {
    super('NOTIFICATION_CHANNEL_NAME_TAKEN', `This workspace already has a notification channel named "${name}"`, [
      { field: 'name', message: 'is already used by another notification channel in this workspace' },
    ]);
  }
}

export class NotificationDeliveryNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('NOTIFICATION_DELIVERY_NOT_FOUND', 'Notification delivery', id);
  }
}
