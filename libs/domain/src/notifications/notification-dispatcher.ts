import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { JobName, JobProducer } from '@labwire/queue';
import { Actor } from '../audit/actor';
import { NotificationChannel } from './notification-channel.entity';
import { NotificationChannelRepository } from './notification-channel.repository';
import { DeliveryEvent } from './notification-delivery.entity';
import { NotificationDeliveryRepository } from './notification-delivery.repository';

/** An alert transition that may notify: what the alerts service hands over, in its transaction. */
export interface AlertNotification {
  workspaceId: string;
  alertId: string;
  event: Extract<DeliveryEvent, 'alert.triggered' | 'alert.escalated' | 'alert.resolved'>;
  /** what caused it, unique per transition (the history entry's id): a retried cause adds nothing */
  causeId: string;
  /** the alert's effective priority after the transition (1 most urgent) */
  priority: number;
  /** the alert config's channels and the least urgent priority that still notifies (null: all) */
  channelIds: string[];
  notifyMaxPriority: number | null;
  /** a silence covers the alert: the deliveries are recorded as suppressed, not sent */
  silenced: boolean;
  /** the document receivers get (`alert`, `workspaceId`, …), JSON-safe */
  payload: Record<string, unknown>;
  occurredAt: Date;
}

/** The delivery job's id: one job per delivery, so queueing again (the sweep) adds nothing. */
export const deliveryJobId = (deliveryId: string) => `delivery-${deliveryId}`;

/**
 * Turns causes into deliveries. Deliveries are written in the caller's transaction (an outbox), then
 * queued once it has committed; a delivery whose job was lost (a crash, Redis away) is queued again
 * by the notifications sweep.
 */
@Injectable()
export class NotificationDispatcher {
  private readonly logger = new Logger('Notifications');

  constructor(
    private readonly channels: NotificationChannelRepository,
    private readonly deliveries: NotificationDeliveryRepository,
    private readonly producer: JobProducer,
  ) {}

  /**
   * Writes one delivery per enabled channel of the alert's config, in the caller's transaction, and
   * returns the ids to queue after commit (`enqueue`). Priorities less urgent than the config's
   * threshold notify nobody; silenced ones are recorded as suppressed.
   */
  async planForAlert(em: EntityManager, n: AlertNotification): Promise<string[]> {
    if (n.notifyMaxPriority !== null && n.priority > n.notifyMaxPriority) return [];
    const channels = await this.channels.findEnabled(n.workspaceId, n.channelIds, em);
    if (!channels.length) return [];
    const document = { event: n.event, occurredAt: n.occurredAt.toISOString(), ...n.payload };
    return this.deliveries.insertMany(
      channels.map((c) => ({
        workspaceId: n.workspaceId,
        channelId: c.id,
        event: n.event,
        alertId: n.alertId,
        dedupeKey: `${n.event}:${n.causeId}`,
        payload: document,
        status: n.silenced ? ('suppressed' as const) : ('pending' as const),
      })),
      em,
    );
  }

  /** Queues the deliveries' jobs; a queue outage is logged and left to the sweep (nothing is lost). */
  async enqueue(deliveryIds: string[]): Promise<void> {
    for (const deliveryId of deliveryIds) {
      try {
        await this.producer.enqueue(JobName.NotificationDeliver, { deliveryId }, { jobId: deliveryJobId(deliveryId) });
      } catch (err) {
        this.logger.warn(
          `delivery ${deliveryId} is not queued yet (${(err as Error).message}); the notifications sweep will queue it`,
        );
      }
    }
  }

  /** A test notification to one channel, queued now; answers the delivery's id. */
  async sendTest(channel: NotificationChannel, actor: Actor): Promise<string> {
    const [id] = await this.deliveries.insertMany(
      [
        {
          workspaceId: channel.workspaceId,
          channelId: channel.id,
          event: 'test',
          alertId: null,
          dedupeKey: null,
          payload: {
            event: 'test',
            occurredAt: new Date().toISOString(),
            workspaceId: channel.workspaceId,
            channel: { id: channel.id, name: channel.name },
            requestedBy: actor.userId,
            message: 'A test notification from Labwire: this channel receives alert notifications.',
          },
          status: 'pending',
        },
      ],
      this.channels.manager(),
    );
    await this.enqueue([id]);
    return id;
  }
}
