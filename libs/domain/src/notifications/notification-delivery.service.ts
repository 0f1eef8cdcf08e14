import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { MailTransport, NetworkPolicy, WebhookAttempt, WebhookSender } from '@labwire/providers';
import { NotificationChannelRepository } from './notification-channel.repository';
import { NotificationDeliveryRepository } from './notification-delivery.repository';
import { deliveryJobId, NotificationDispatcher } from './notification-dispatcher';
import { renderNotificationMail } from './notification-mail';
import { WebhookSecretCipher } from './webhook-secret-cipher';

/** A failed attempt that another may mend: the job throws it, so BullMQ retries with backoff. */
export class DeliveryAttemptFailedError extends Error {
  constructor(deliveryId: string, attempt: number, reason: string) {
    super(`delivery ${deliveryId}, attempt ${attempt}: ${reason}; it is retried`);
  }
}

export interface DeliveryOutcome {
  outcome: 'succeeded' | 'failed' | 'unchanged';
  attempt: number;
}

/** Pending deliveries older than this have lost their job (the job is queued right after commit). */
const SWEEP_AFTER_MS = 60_000;
const SWEEP_BATCH = 500;

/**
 * Delivers notifications (the worker's side): one attempt per job run, recorded with its latency and
 * answer; retryable failures throw so BullMQ retries with exponential backoff and jitter, until the
 * last attempt ends the delivery as failed.
 */
@Injectable()
export class NotificationDeliveryService {
  private readonly logger = new Logger('Notifications');
  private readonly sender: WebhookSender;

  constructor(
    private readonly deliveries: NotificationDeliveryRepository,
    private readonly channels: NotificationChannelRepository,
    private readonly dispatcher: NotificationDispatcher,
    private readonly cipher: WebhookSecretCipher,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly mailer: MailTransport,
  ) {
    this.sender = new WebhookSender(
      new NetworkPolicy(config.notifications.allowPrivateNetworks),
      config.notifications.webhookTimeoutMs,
    );
  }

  /** One attempt. `lastAttempt`: no retry follows, so a failure ends the delivery as failed. */
  async deliver(deliveryId: string, lastAttempt: boolean, signal?: AbortSignal): Promise<DeliveryOutcome> {
    const delivery = await this.deliveries.find(deliveryId);
    if (!delivery || delivery.status !== 'pending') return { outcome: 'unchanged', attempt: delivery?.attempts ?? 0 };
    const channel = await this.channels.findInWorkspace(delivery.workspaceId, delivery.channelId);
    if (!channel) return { outcome: 'unchanged', attempt: delivery.attempts };
    if (!channel.enabled && delivery.event !== 'test') {
      await this.deliveries.fail(deliveryId, 'the channel was disabled before the notification could be delivered');
      return { outcome: 'failed', attempt: delivery.attempts };
    }
    const attempt = await this.deliveries.beginAttempt(deliveryId);
    if (attempt === null) return { outcome: 'unchanged', attempt: delivery.attempts };
    const startedAt = new Date();
    let result: WebhookAttempt;
    if (channel.kind === 'webhook') {
      const secret = channel.secretCiphertext ? this.cipher.decrypt(channel.secretCiphertext) : null;
      if (!secret) {
        result = {
          ok: false,
          statusCode: null,
          latencyMs: 0,
          error: 'the signing secret cannot be read (was SECRETS_KEY changed?): rotate the channel secret',
          retryable: false,
          answer: null,
        };
      } else {
        result = await this.sender.send(
          {
            url: channel.url as string,
            body: JSON.stringify(delivery.payload),
            secret,
            deliveryId,
            event: delivery.event,
          },
          signal,
        );
      }
    } else {
      result = await this.mail(deliveryId, channel.recipients ?? [], delivery.payload);
    }
    const final = result.ok ? 'succeeded' : !result.retryable || lastAttempt ? 'failed' : null;
    await this.deliveries.recordAttempt(
      deliveryId,
      {
        attempt,
        startedAt,
        latencyMs: result.latencyMs,
        ok: result.ok,
        statusCode: result.statusCode,
        error: result.error,
      },
      final,
    );
    if (final === null) throw new DeliveryAttemptFailedError(deliveryId, attempt, result.error ?? 'failed');
    if (final === 'failed') {
      this.logger.warn(
        `delivery ${deliveryId} to channel ${channel.id} failed after ${attempt} attempt(s): ${result.error}`,
      );
    }
    return { outcome: final, attempt };
  }

  /** Queues again pending deliveries whose job was lost; answers how many. */
  async sweep(): Promise<number> {
    const stale = await this.deliveries.stalePending(new Date(Date.now() - SWEEP_AFTER_MS), SWEEP_BATCH);
    if (stale.length) {
      this.logger.log(
        `queueing ${stale.length} pending deliveries again (${stale.map(deliveryJobId).slice(0, 3).join(', ')}…)`,
      );
      await this.dispatcher.enqueue(stale);
    }
    return stale.length;
  }

  private async mail(deliveryId: string, to: string[], payload: Record<string, unknown>): Promise<WebhookAttempt> {
    const started = Date.now();
    try {
      // one Message-ID per delivery: a retry after an unanswered send lets mail servers drop the copy
      await this.mailer.send({ ...renderNotificationMail(to, payload), messageId: `<delivery-${deliveryId}@labwire>` });
      return {
        ok: true,
        statusCode: null,
        latencyMs: Date.now() - started,
        error: null,
        retryable: false,
        answer: null,
      };
    } catch (err) {
      return {
        ok: false,
        statusCode: null,
        latencyMs: Date.now() - started,
        error: `the mail could not be sent (${(err as Error).message})`,
        retryable: true,
        answer: null,
      };
    }
  }
}
