import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, AppConfig, REDIS } from '@labwire/core';
import { AccountLockedError, LoginRateLimitedError } from './identity.errors';

/** How long an address a user signed in from stays "familiar" to the per-account ceiling. */
const KNOWN_ADDRESS_SECONDS = 30 * 86400;

/**
 * Sign-in limits counted in Redis, so they hold across api replicas:
 * - attempts per client address per minute (LOGIN_IP_LIMIT_PER_MINUTE);
 * - consecutive failures per account AND address (LOGIN_MAX_FAILURES), which lock that pair for
 *   LOGIN_LOCKOUT: someone guessing from elsewhere locks themselves out, never the user;
 * - failures per account from all addresses (LOGIN_ACCOUNT_MAX_FAILURES, much higher), past which
 *   addresses the account has not signed in from lately are refused too, so guessing spread over
 *   many addresses stays bounded while the user's own addresses keep working.
 * Wrong current passwords on a password change count the same way.
 */
@Injectable()
export class LoginThrottle {
  private readonly perIp: RateLimiterRedis;
  private readonly perPair: RateLimiterRedis;
  private readonly perAccount: RateLimiterRedis;
  private readonly knownPrefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const prefix = `${config.redis.prefix}:login`;
    this.knownPrefix = `${prefix}:known`;
    this.perIp = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:ip`,
      points: config.auth.loginIpLimitPerMinute,
      duration: 60,
    });
    this.perPair = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:pair`,
      points: config.auth.loginMaxFailures,
      duration: config.auth.lockoutSeconds,
      blockDuration: config.auth.lockoutSeconds,
    });
    this.perAccount = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:account`,
      points: config.auth.loginAccountMaxFailures,
      duration: config.auth.lockoutSeconds,
    });
  }

  /** Counts an attempt from this address and refuses when the address or the account is over its limit. */
  async beforeAttempt(ip: string, email: string): Promise<void> {
    try {
      await this.perIp.consume(ip);
    } catch (res) {
      if (res instanceof RateLimiterRes) throw new LoginRateLimitedError(Math.ceil(res.msBeforeNext / 1000));
      throw res;
    }
    await this.assertNotLocked(ip, email);
  }

  /** Refuses when the account is locked for this address (without counting an attempt). */
  private async assertNotLocked(ip: string, email: string): Promise<void> {
    const pair = await this.perPair.get(pairKey(email, ip));
    if (pair && pair.remainingPoints <= 0) throw locked(pair);
    const account = await this.perAccount.get(email);
    if (account && account.remainingPoints <= 0 && !(await this.isKnown(email, ip))) throw locked(account);
  }

  /** A wrong password for `email` from `ip`; throws ACCOUNT_LOCKED when this failure is over a limit. */
  async onFailure(ip: string, email: string): Promise<void> {
    const [pair, account] = await Promise.all([
      overLimit(this.perPair, pairKey(email, ip)),
      overLimit(this.perAccount, email),
    ]);
    if (pair) throw locked(pair);
    if (account && !(await this.isKnown(email, ip))) throw locked(account);
  }

  /** The right password from `ip`: its failure count starts over and the address becomes familiar. */
  async onSuccess(ip: string, email: string): Promise<void> {
    await Promise.all([
      this.perPair.delete(pairKey(email, ip)),
      this.redis.set(this.knownKey(email, ip), '1', 'EX', KNOWN_ADDRESS_SECONDS),
    ]);
  }

  private async isKnown(email: string, ip: string): Promise<boolean> {
    return (await this.redis.exists(this.knownKey(email, ip))) === 1;
  }

  private knownKey(email: string, ip: string): string {
    return `${this.knownPrefix}:${pairKey(email, ip)}`;
  }
}

/** Counts one point; the limiter's answer when that was over its limit, else undefined. */
async function overLimit(limiter: RateLimiterRedis, key: string): Promise<RateLimiterRes | undefined> {
  try {
    await limiter.consume(key);
    return undefined;
  } catch (res) {
    if (res instanceof RateLimiterRes) return res;
    throw res;
  }
}

function locked(res: { msBeforeNext: number }): AccountLockedError {
  return new AccountLockedError(Math.max(1, Math.ceil(res.msBeforeNext / 1000)));
}

/** The address last: it never holds `|`, so no two (email, address) pairs share a key. */
function pairKey(email: string, ip: string): string {
  return `${email}|${ip}`;
}
