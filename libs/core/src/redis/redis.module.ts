import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config';
import { createRedis, redisMaxMemoryPolicy } from './redis';

export const REDIS = Symbol('REDIS');

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async warnOnEvictionPolicy(): Promise<void> {
    const policy = await redisMaxMemoryPolicy(this.redis);
    if (policy && policy !== 'noeviction') {
      this.logger.warn(
        `Redis maxmemory-policy is "${policy}": BullMQ needs "noeviction" or queued jobs can be evicted. ` +
          'Set it with: redis-cli CONFIG SET maxmemory-policy noeviction (and in redis.conf)',
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** A shared general-purpose Redis connection (rate limits, pub/sub publishing, caches). */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => createRedis(config.redis.url, { maxRetriesPerRequest: 2 }),
    },
    RedisLifecycle,
  ],
  exports: [REDIS],
})
export class RedisModule {
  constructor(lifecycle: RedisLifecycle) {
    void lifecycle.warnOnEvictionPolicy();
  }
}
