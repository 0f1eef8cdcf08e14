import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, AppConfig, REDIS } from '@labwire/core';
import { AccountLockedError, LoginRateLimitedError } from './identity.errors';

/**
 * Login limits counted in Redis, so they hold across api replicas: attempts per client IP per minute,
 * and consecutive failures per account, which lock the account for a while once exceeded.
 */
@Injectable()
export class LoginThrottle {
  private readonly perIp: RateLimiterRedis;
  private readonly perAccount: RateLimiterRedis;

  constructor(@Inject(REDIS) redis: Redis, @Inject(APP_CONFIG) config: AppConfig) {
    const prefix = `${config.redis.prefix}:login`;
    this.perIp = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:ip`,
      points: config.auth.loginIpLimitPerMinute,
      duration: 60,
    });
    this.perAccount = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:account`,
      points: config.auth.loginMaxFailures,
      duration: config.auth.lockoutSeconds,
      blockDuration: config.auth.lockoutSeconds,
    });
  }

  /** Counts an attempt from this IP and refuses when the IP or the account is over its limit. */
  async beforeAttempt(ip: string, email: string): Promise<void> {
    try {
      await this.perIp.consume(ip);
    } catch (res) {
      if (res instanceof RateLimiterRes) throw new LoginRateLimitedError(Math.ceil(res.msBeforeNext / 1000));
      throw res;
    }
    const account = await this.perAccount.get(email);
    if (account && account.remainingPoints <= 0) {
      throw new AccountLockedError(Math.max(1, Math.ceil(account.msBeforeNext / 1000)));
    }
  }

  async onFailure(email: string): Promise<void> {
    try {
      await this.perAccount.consume(email);
    } catch (res) {
      if (res instanceof RateLimiterRes) throw new AccountLockedError(Math.ceil(res.msBeforeNext / 1000));
      throw res;
    }
  }

  async onSuccess(email: string): Promise<void> {
    await this.perAccount.delete(email);
  }
}
