import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobName, JobProducer } from '@labwire/queue';

export const NOTIFICATIONS_SWEEP_SCHEDULER_ID = 'notifications.sweep';
const SWEEP_EVERY_MS = 60_000;

/** Keeps the notifications sweep (pending deliveries whose job was lost) on a BullMQ job scheduler. */
@Injectable()
export class NotificationsScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('Schedules');

  constructor(private readonly producer: JobProducer) {}

  onApplicationBootstrap(): void {
    // Not awaited: with Redis down the worker still boots (and reports not ready) instead of hanging.
    this.producer
      .schedule(NOTIFICATIONS_SWEEP_SCHEDULER_ID, JobName.NotificationsSweep, {}, { everyMs: SWEEP_EVERY_MS })
      .then(() => this.logger.log(`notifications sweep scheduled every ${SWEEP_EVERY_MS / 1000} s`))
      .catch((err: Error) => this.logger.error(`could not schedule the notifications sweep: ${err.message}`));
  }
}
