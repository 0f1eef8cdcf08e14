import { Processor } from '@nestjs/bullmq';
import { NotificationDeliveryService } from '@labwire/domain';
import { JobName, QueueName } from '@labwire/queue';
import { JobHandlers } from './job-handlers';
import { QueueProcessor } from './queue-processor';

/** Alert notifications: one delivery attempt per run (retried by BullMQ with backoff), and the sweep. */
@Processor(QueueName.Notifications, { autorun: false })
export class NotificationsProcessor extends QueueProcessor<QueueName.Notifications> {
  readonly queue = QueueName.Notifications;

  protected readonly handlers: JobHandlers<QueueName.Notifications> = {
    [JobName.NotificationDeliver]: (job, signal) =>
      this.deliveries.deliver(job.data.deliveryId, job.attemptsMade + 1 >= (job.opts.attempts ?? 1), signal),
    [JobName.NotificationsSweep]: async () => ({ requeued: await this.deliveries.sweep() }),
  };

  constructor(private readonly deliveries: NotificationDeliveryService) {
    super();
  }
}
