import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, AppConfig, REDIS, TooManyRequestsError } from '@labwire/core';

/** Requests that send mail (register, resend a verification, forgot password) per client address per hour. */
export const MAIL_REQUESTS_PER_IP_PER_HOUR = 20;
/** Mails of one kind to one address per 15 minutes; past it requests are answered alike and send nothing. */
export const MAILS_PER_ADDRESS_PER_15_MIN = 3;

/**
 * Limits of the requests that make Labwire send mail, counted in Redis (all api replicas): a client
 * address past its limit is answered 429 (that says nothing about any account); an address (email)
 * past its limit silently gets no more mail, so the answer stays the same whether the account exists.
 */
@Injectable()
export class AccountThrottle {
  private readonly perIp: RateLimiterRedis;
  private readonly perAddress: RateLimiterRedis;

  constructor(@Inject(REDIS) redis: Redis, @Inject(APP_CONFIG) config: AppConfig) {
    const prefix = `${config.redis.prefix}:accounts`;
    this.perIp = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:ip`,
      points: MAIL_REQUESTS_PER_IP_PER_HOUR,
      duration: 3600,
    });
    this.perAddress = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:address`,
      points: MAILS_PER_ADDRESS_PER_15_MIN,
      duration: 900,
    });
  }

  /** Counts a mail-sending request from `ip`; throws TOO_MANY_REQUESTS past the limit. */
  async request(ip: string): Promise<void> {
    try {
      await this.perIp.consume(ip);
    } catch (res) {
      if (res instanceof RateLimiterRes) {
        const retry = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
        throw new TooManyRequestsError(
          'TOO_MANY_REQUESTS',
          `Too many requests from this address; retry in ${retry} s`,
          retry,
        );
      }
      throw res;
    }
  }

  /** Whether one more mail of `kind` may go to `email` now (counts it when it may). */
  async mayMail(kind: string, email: string): Promise<boolean> {
    try {
      await this.perAddress.consume(`${kind}|${email}`);
      return true;
    } catch (res) {
      if (res instanceof RateLimiterRes) return false;
      throw res;
    }
  }
}
