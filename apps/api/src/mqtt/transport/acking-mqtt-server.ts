import { Logger } from '@nestjs/common';
import { MessageHandler, MqttContext, ServerMqtt } from '@nestjs/microservices';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { isObservable, lastValueFrom } from 'rxjs';
import { receiveInTrace } from '@labwire/providers';
import { AckQueue, AckTicket, HeldPuback } from './ack-queue';
import { topicMatcher } from './topic-matcher';

export interface AckingMqttServerOptions {
  url: string;
  username: string;
  password?: string;
  clientId: string;
  /**
   * the shared-subscription group of the bridge replicas; without one the subscriptions are exclusive.
   * Mosquitto 2.0 restores a persistent session's plain subscriptions after a restart but not its
   * shared ones, so only exclusive subscriptions keep queueing what instruments publish while the
   * broker is back and the bridge is not yet.
   */
  shareGroup?: string;
  sessionExpirySeconds: number;
  receiveMaximum: number;
  /** how long close() waits for running handlers before disconnecting */
  drainTimeoutMs?: number;
}

const SHARE_PREFIX = /^\$share\/[^/]+\//;

/** After a handler failed, the connection is renewed so the broker redelivers what was not acknowledged. */
const RECONNECT_AFTER_FAILURE_MS = 2_000;
/** A subscription the broker refused or did not answer is asked for again after this long. */
const RESUBSCRIBE_RETRY_MS = 2_000;

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
 * - every `@EventPattern` is subscribed exclusively, or, with a share group, as a shared subscription
 *   (`$share/<group>/…`) so bridge replicas split the traffic;
 * - handlers get the raw payload (a Buffer): they validate it themselves, once, with their own schema;
 * - every connection subscribes again, whatever the broker says of the session: a broker restarted
 *   from its persistence file restores the persistent session (CONNACK session present) but not its
 *   shared subscriptions, and mqtt.js resubscribes only when the session is new, so the bridge used to
 *   stay connected and deaf. Subscribing again is idempotent; `isSubscribed()` (readiness) is true only
 *   once the broker granted every subscription on the current connection;
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
  /** Resolves once the first connection's subscriptions were granted (startup waits for it). */
  private subscribed?: Promise<void>;
  private resolveSubscribed?: () => void;
  private rejectSubscribed?: (err: Error) => void;
  /** Connections made so far, and the one whose subscriptions the broker granted (0: none). */
  private connections = 0;
  private subscribedOn = 0;
  private resubscribeTimer?: NodeJS.Timeout;

  constructor(private readonly bridge: AckingMqttServerOptions) {
    super({
      url: bridge.url,
      username: bridge.username,
      password: bridge.password,
      clientId: bridge.clientId,
      protocolVersion: 5,
      clean: false,
      // The server subscribes on every connection itself (see onConnected); mqtt.js's own
      // resubscription is skipped when the broker reports the session present.
      resubscribe: false,
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

  /** Connections made since start; more than one means the bridge reconnected. */
  get connectionCount(): number {
    return this.connections;
  }

  /** Connected, and every subscription granted by the broker on this very connection. */
  isSubscribed(): boolean {
    return this.client?.connected === true && this.connections > 0 && this.subscribedOn === this.connections;
  }

  override bindEvents(mqttClient: MqttClient): void {
    mqttClient.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) =>
      this.dispatch(topic, payload, packet),
    );
    for (const [pattern, handler] of this.messageHandlers) {
      const topicFilter = pattern.replace(SHARE_PREFIX, '');
      this.routes.push({ matches: topicMatcher(topicFilter), handler });
      this.subscriptions.push(this.bridge.shareGroup ? `$share/${this.bridge.shareGroup}/${topicFilter}` : topicFilter);
    }
    this.subscribed = new Promise((resolve, reject) => {
      this.resolveSubscribed = resolve;
      this.rejectSubscribed = reject;
    });
    this.subscribed.catch(() => undefined);
    mqttClient.on('connect', () => {
      this.connections++;
      if (this.connections > 1)
        this.log.warn(`MQTT bridge reconnected (connection ${this.connections}): subscribing again`);
      this.subscribeAll(mqttClient, this.connections);
    });
    mqttClient.on('close', () => clearTimeout(this.resubscribeTimer));
    // A client that is already connected (never the case with Nest's listen()) subscribes now.
    if (mqttClient.connected) {
      this.connections++;
      this.subscribeAll(mqttClient, this.connections);
    }
  }

  /** Subscribes every filter on connection `connection`; retries while that connection lasts. */
  private subscribeAll(client: MqttClient, connection: number): void {
    if (!this.subscriptions.length) {
      this.markSubscribed(connection);
      return;
    }
    const filters = Object.fromEntries(this.subscriptions.map((f) => [f, { qos: 1 as const }]));
    client.subscribe(filters, (err, granted) => {
      if (connection !== this.connections || this.closing) return; // a later connection took over
      const refused = granted?.find((g) => g.qos > 2);
      if (!err && !refused && granted?.length === this.subscriptions.length) {
        this.markSubscribed(connection);
        return;
      }
      const why = err?.message ?? (refused ? `${refused.topic}: reason code ${refused.qos}` : 'no answer');
      this.log.error(`subscribing to ${this.subscriptions.join(', ')} failed (${why}); trying again`);
      // At startup a refusal is a configuration error (the account's rights): boot fails saying so.
      if (refused && this.subscribedOn === 0) {
        this.rejectSubscribed?.(
          new Error(`the broker refused the subscription ${refused.topic} (reason code ${refused.qos})`),
        );
      }
      clearTimeout(this.resubscribeTimer);
      this.resubscribeTimer = setTimeout(() => {
        if (client.connected && connection === this.connections && !this.closing) this.subscribeAll(client, connection);
      }, RESUBSCRIBE_RETRY_MS);
      this.resubscribeTimer.unref();
    });
  }

  private markSubscribed(connection: number): void {
    this.subscribedOn = connection;
    if (connection === 1 && !this.bridge.shareGroup && this.client) {
      // Before exclusive subscriptions were the default, bridges shared `$share/labwire/…`: a session
      // carried over from then would receive every message twice. Gone once; harmless when absent.
      const legacy = this.subscriptions.map((f) => `$share/labwire/${f}`);
      this.client.unsubscribe(legacy, () => undefined);
    }
    if (connection > 1) this.log.log(`MQTT bridge subscribed again on connection ${connection}`);
    this.resolveSubscribed?.();
  }

  /** Resolves once the broker has granted every subscription (messages published after are heard). */
  whenSubscribed(): Promise<void> {
    return this.subscribed ?? Promise.reject(new Error('the MQTT server has not started'));
  }

  override async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.resubscribeTimer);
    const client = this.client;
    if (!client) return;
    if (client.connected && this.subscriptions.length && this.bridge.shareGroup) {
      // Shared: stop new deliveries first, so the other replicas take them; what is queued for this
      // session waits for its next start. Exclusive: the subscription stays, so the broker queues what
      // arrives until this bridge is back.
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
      // A message that carries a trace (MQTT v5 user properties) is handled inside it.
      await receiveInTrace(topic, packet.properties?.userProperties, async () => {
        const result: unknown = await handler(payload, new MqttContext([topic, packet]));
        if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      });
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
