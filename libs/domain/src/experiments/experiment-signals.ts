import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, createRedis } from '@labwire/core';
import { liveCommandChannel } from '../live/live-channels';
import { experimentEventsChannel } from './experiment-events';

type Listener = (message: string) => void;

/** A channel without listeners stays subscribed this long. */
const LINGER_MS = 30_000;

/**
 * What a running experiment listens for, over one Redis subscriber connection per process (created on
 * first use): its own events (an abort request), and the command changes of its instruments (a reply
 * closing the command it waits for). Pub/sub keeps nothing, so the runner also re-reads the database
 * now and then: a lost message delays a step by that much, never more.
 */
@Injectable()
export class ExperimentSignals implements OnApplicationShutdown {
  private readonly logger = new Logger('ExperimentSignals');
  private subscriber: Redis | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly lingering = new Map<string, NodeJS.Timeout>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Calls `listener` on each event of the experiment until the returned function is called. */
  onExperiment(experimentId: string, listener: Listener): Promise<() => void> {
    return this.listen(experimentEventsChannel(this.config.redis.prefix, experimentId), listener);
  }

  /** Calls `listener` on each command change of the instrument until the returned function is called. */
  onCommands(instrumentId: string, listener: Listener): Promise<() => void> {
    return this.listen(liveCommandChannel(this.config.redis.prefix, instrumentId), listener);
  }

  private async listen(channel: string, listener: Listener): Promise<() => void> {
    const subscriber = this.connection();
    clearTimeout(this.lingering.get(channel));
    this.lingering.delete(channel);
    let set = this.listeners.get(channel);
    if (!set) {
      this.listeners.set(channel, (set = new Set()));
      await subscriber.subscribe(channel).catch((err: Error) => {
        // the database is re-read anyway: a missing subscription only makes the run slower to react
        this.logger.warn(`not subscribed to ${channel}: ${err.message}`);
      });
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(channel);
      if (!current?.delete(listener) || current.size) return;
      // kept a while: a run's next command to the same instrument finds the subscription in place
      const timer = setTimeout(() => {
        this.lingering.delete(channel);
        if (this.listeners.get(channel)?.size) return;
        this.listeners.delete(channel);
        subscriber.unsubscribe(channel).catch(() => undefined);
      }, LINGER_MS);
      timer.unref();
      this.lingering.set(channel, timer);
    };
  }

  private connection(): Redis {
    if (!this.subscriber) {
      this.subscriber = createRedis(this.config.redis.url, { maxRetriesPerRequest: 2 });
      this.subscriber.on('error', () => undefined);
      this.subscriber.on('message', (channel: string, message: string) => {
        for (const listener of this.listeners.get(channel) ?? []) {
          try {
            listener(message);
          } catch (err) {
            this.logger.warn(`listener of ${channel} failed: ${(err as Error).message}`);
          }
        }
      });
    }
    return this.subscriber;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.lingering.values()) clearTimeout(timer);
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}
