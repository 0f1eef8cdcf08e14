import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS } from '@labwire/core';
import { liveCommandChannel, liveStateChannel } from './live-channels';

/**
 * Publishes instrument events on Redis pub/sub for the api's event streams. Best effort, after the
 * change is committed: the database is the record, a lost event only means a client re-reads.
 */
@Injectable()
export class LiveEventPublisher {
  private readonly logger = new Logger('LiveEvents');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async stateChanged(instrumentId: string, event: object): Promise<void> {
    await this.publish(liveStateChannel(this.config.redis.prefix, instrumentId), event);
  }

  async commandChanged(instrumentId: string, event: object): Promise<void> {
    await this.publish(liveCommandChannel(this.config.redis.prefix, instrumentId), event);
  }

  private async publish(channel: string, event: object): Promise<void> {
    try {
      await this.redis.publish(channel, JSON.stringify(event));
    } catch (err) {
      this.logger.warn(`live event not published on ${channel}: ${(err as Error).message}`);
    }
  }
}
