import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, AppConfig, REDIS, TooManyRequestsError } from '@labwire/core';

/** Requests to /shared per client address and minute (SHARE_LINK_RATE_LIMIT_PER_MINUTE), counted in Redis across replicas. */
@Injectable()
export class ShareRateLimiter {
  private readonly perIp: RateLimiterRedis;

  constructor(@Inject(REDIS) redis: Redis, @Inject(APP_CONFIG) config: AppConfig) {
    this.perIp = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${config.redis.prefix}:shared:ip`,
      points: config.transfer.shareRateLimitPerMinute,
      duration: 60,
    });
  }

  async consume(ip: string): Promise<void> {
    try {
      await this.perIp.consume(ip);
    } catch (res) {
      if (res instanceof RateLimiterRes) {
        const seconds = Math.ceil(res.msBeforeNext / 1000);
        throw new TooManyRequestsError(
          'TOO_MANY_REQUESTS',
          `Too many requests to shared links; try again in ${seconds} s`,
          seconds,
        );
      }
      throw res;
    }
  }
}
