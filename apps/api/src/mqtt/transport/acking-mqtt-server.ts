import { Logger } from '@nestjs/common';
import { MessageHandler, MqttContext, ServerMqtt } from '@nestjs/microservices';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { isObservable, lastValueFrom } from 'rxjs';
import { AckQueue, AckTicket, HeldPuback } from './ack-queue';
import { topicMatcher } from './topic-matcher';

export interface AckingMqttServerOptions {
  url: string;
  username: string;
  password?: string;
  clientId: string;
  /** the shared-subscription group of the api replicas */
  shareGroup: string;
  sessionExpirySeconds: number;
  receiveMaximum: number;
  /** how long close() waits for running handlers before disconnecting */
  drainTimeoutMs?: number;
}

const SHARE_PREFIX = /^\$share\/[^/]+\//;

/** After a handler failed, the connection is renewed so the broker redelivers what was not acknowledged. */
const RECONNECT_AFTER_FAILURE_MS = 2_000;

type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: (err?: Error) => void, ...rest: unknown[]) => void;
/** mqtt.js's private packet writer (pinned mqtt version; the bridge tests fail if it changes). */
type WithSendPacket = { _sendPacket: SendPacket };

/**
 * Nest's MQTT transport, changed where Labwire needs it:
 * - the PUBACK of a QoS 1 message is sent only once its handler has finished (the stock server lets
 *   mqtt.js acknowledge before the handler runs, so a crash lost acknowledged messages);
 * - a handler that fails leaves its message unacknowledged, and the connection is renewed so the
 *   broker delivers it again (to this replica or another);
 * - MQTT v5 with a persistent session and a receive maximum: what is in flight is bounded, and what the
 *   api has not acknowledged waits for it at the broker while it restarts;
 * - every `@EventPattern` is subscribed as a shared subscription of the configured group
 *   (`$share/<group>/…`), so api replicas split the traffic;
 * - handlers get the raw payload (a Buffer): they validate it themselves, once, with their own schema;
 * - close() unsubscribes, lets running handlers finish, then disconnects.
 */
export class AckingMqttServer extends ServerMqtt {
  private readonly log = new Logger('MqttBridge');
  private readonly acks = new AckQueue((puback) => this.sendHeld(puback));
  private readonly running = new Set<Promise<void>>();
  private sendPacket?: SendPacket;
  private client?: MqttClient;
  private reconnectTimer?: NodeJS.Timeout;
  private closing = false;
  private readonly subscriptions: string[] = [];
  /** Each handler's topic filter compiled once: Nest's own lookup JSON-parses every topic (and throws). */
  private readonly routes: Array<{ matches: (topic: string) => boolean; handler: MessageHandler }> = [];
  private subscribed?: Promise<void>;

  constructor(private readonly bridge: AckingMqttServerOptions) {
    super({
      url: bridge.url,
      username: bridge.username,
      password: bridge.password,
      clientId: bridge.clientId,
      protocolVersion: 5,
      clean: false,
      reconnectPeriod: 1_000,
      connectTimeout: 10_000,
      properties: { sessionExpiryInterval: bridge.sessionExpirySeconds, receiveMaximum: bridge.receiveMaximum },
      subscribeOptions: { qos: 1 },
    });
  }

  /** Messages received whose PUBACK has not gone out yet (a gauge for /metrics). */
  get unacknowledged(): number {
    return this.acks.pending;
  }

  override createMqttClient(): MqttClient {
    const client = super.createMqttClient();
    this.client = client;
    const internals = client as unknown as WithSendPacket;
    this.sendPacket = internals._sendPacket.bind(client);
    internals._sendPacket = (packet, cb, ...rest) => {
      if (packet.cmd === 'puback' && this.acks.hold(packet as HeldPuback)) {
        // Tell mqtt.js it went out, so it reads the next packet; the real PUBACK waits in the queue.
        cb?.();
        return;
      }
      this.sendPacket!(packet, cb, ...rest);
    };
    client.on('close', () => this.acks.reset());
    return client;
  }

  override bindEvents(mqttClient: MqttClient): void {
    mqttClient.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) =>
      this.dispatch(topic, payload, packet),
    );
    const acks: Array<Promise<void>> = [];
    for (const [pattern, handler] of this.messageHandlers) {
      const topicFilter = pattern.replace(SHARE_PREFIX, '');
      this.routes.push({ matches: topicMatcher(topicFilter), handler });
      const filter = `$share/${this.bridge.shareGroup}/${topicFilter}`;
      this.subscriptions.push(filter);
      acks.push(
        new Promise((resolve, reject) =>
          mqttClient.subscribe(filter, { qos: 1 }, (err, granted) => {
            const refused = granted?.find((g) => g.qos > 2);
            if (err || refused) {
              const why = err?.message ?? `reason code ${refused?.qos}`;
              this.log.error(`subscribing to ${filter} failed: ${why}`);
              reject(new Error(`the broker refused the subscription ${filter} (${why})`));
            } else resolve();
          }),
        ),
      );
    }
    this.subscribed = Promise.all(acks).then(() => undefined);
    this.subscribed.catch(() => undefined);
  }

  /** Resolves once the broker has granted every subscription (messages published after are heard). */
  whenSubscribed(): Promise<void> {
    return this.subscribed ?? Promise.reject(new Error('the MQTT server has not started'));
  }

  override async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    if (!client) return;
    if (client.connected && this.subscriptions.length) {
      // Stop new deliveries first; what is queued for this session waits for the next start.
      await client.unsubscribeAsync(this.subscriptions).catch(() => undefined);
    }
    const drained = Promise.allSettled([...this.running]);
    const timeout = new Promise((resolve) => setTimeout(resolve, this.bridge.drainTimeoutMs ?? 10_000).unref());
    await Promise.race([drained, timeout]);
    await client.endAsync(false).catch(() => undefined);
  }

  private dispatch(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const ticket = packet.qos > 0 && packet.messageId !== undefined ? this.acks.received(packet.messageId) : undefined;
    const work = this.run(topic, payload, packet, ticket);
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  private async run(topic: string, payload: Buffer, packet: IPublishPacket, ticket?: AckTicket): Promise<void> {
    const handler = this.routes.find((r) => r.matches(topic))?.handler;
    if (!handler) {
      this.log.warn(`no handler for MQTT topic ${topic}; message acknowledged and ignored`);
      if (ticket) this.acks.handled(ticket);
      return;
    }
    try {
      const result: unknown = await handler(payload, new MqttContext([topic, packet]));
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      if (ticket) this.acks.handled(ticket);
    } catch (err) {
      this.log.error(`handling a message on ${topic} failed; it stays unacknowledged: ${(err as Error).message}`);
      this.renewConnection();
    }
  }

  private sendHeld(puback: HeldPuback): void {
    if (this.client?.connected) this.sendPacket?.(puback);
  }

  private renewConnection(): void {
    if (this.closing || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closing || !this.client) return;
      this.log.warn('reconnecting so that the broker redelivers unacknowledged messages');
      this.client.end(true, {}, () => {
        if (!this.closing) this.client?.reconnect();
      });
    }, RECONNECT_AFTER_FAILURE_MS);
    this.reconnectTimer.unref();
  }
}
