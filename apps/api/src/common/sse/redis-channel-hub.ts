import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, createRedis, DomainError } from '@labwire/core';

export type ChannelListener = (channel: string, message: string) => void;

/** How long subscribing may wait for Redis before the request gets 503. */
const SUBSCRIBE_TIMEOUT_MS = 5000;

/**
 * Redis pub/sub for the whole api process over one subscriber connection: any number of listeners
 * per channel, the channel SUBSCRIBEd while it has a listener and UNSUBSCRIBEd when the last one
 * leaves. ioredis re-subscribes by itself after a reconnect; messages published while Redis was
 * unreachable are lost (pub/sub keeps nothing), so streams built on it are "from now on".
 */
@Injectable()
export class RedisChannelHub implements OnApplicationShutdown {
  private readonly logger = new Logger('RedisChannelHub');
  private subscriber: Redis | undefined;
  private readonly listeners = new Map<string, Set<ChannelListener>>();
  /** the SUBSCRIBE of each channel, awaited by every listener that joins */
  private readonly subscribed = new Map<string, Promise<unknown>>();
  private lastError: string | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Listeners currently attached to a channel (for tests and metrics). */
  listenerCount(channel: string): number {
    return this.listeners.get(channel)?.size ?? 0;
  }

  /**
   * Attaches `listener` to the channels and resolves once Redis confirmed every subscription, with
   * the function that detaches it. Rejects with SERVICE_UNAVAILABLE when Redis does not answer.
   */
  async subscribe(channels: string[], listener: ChannelListener): Promise<() => void> {
    const subscriber = this.connection();
    const confirmations: Array<Promise<unknown>> = [];
    for (const channel of new Set(channels)) {
      let set = this.listeners.get(channel);
      if (!set) {
        this.listeners.set(channel, (set = new Set()));
        this.subscribed.set(channel, subscriber.subscribe(channel));
      }
      set.add(listener);
      confirmations.push(this.subscribed.get(channel) as Promise<unknown>);
    }
    let detached = false;
    const detach = () => {
      if (detached) return;
      detached = true;
      for (const channel of new Set(channels)) {
        const set = this.listeners.get(channel);
        if (!set?.delete(listener) || set.size) continue;
        this.listeners.delete(channel);
        this.subscribed.delete(channel);
        // Commands on one connection run in order: a later SUBSCRIBE of the same channel wins.
        subscriber.unsubscribe(channel).catch(() => undefined);
      }
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all(confirmations),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${SUBSCRIBE_TIMEOUT_MS} ms`)),
            SUBSCRIBE_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (err) {
      detach();
      throw new DomainError('SERVICE_UNAVAILABLE', `Live events are unavailable: Redis ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    return detach;
  }

  async onApplicationShutdown(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.listeners.clear();
    this.subscribed.clear();
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  private connection(): Redis {
    if (!this.subscriber) {
      const subscriber = createRedis(this.config.redis.url, { maxRetriesPerRequest: 2 });
      subscriber.on('message', (channel: string, message: string) => {
        for (const listener of this.listeners.get(channel) ?? []) listener(channel, message);
      });
      subscriber.on('error', (err: Error) => {
        if (err.message !== this.lastError) this.logger.warn(`Redis subscriber: ${err.message}`);
        this.lastError = err.message;
      });
      subscriber.on('ready', () => (this.lastError = undefined));
      this.subscriber = subscriber;
    }
    return this.subscriber;
  }
}
