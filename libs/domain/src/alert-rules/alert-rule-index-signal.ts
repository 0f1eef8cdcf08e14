import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS } from '@labwire/core';

/** The Redis counter every change to rules (or to the instruments they select) increments. */
export function ruleIndexVersionKey(prefix: string): string {
  return `${prefix}:alert-rules:version`;
}

/** The Redis pub/sub channel announcing a new version (payload: the version). */
export function ruleIndexChannel(prefix: string): string {
  return `${prefix}:alert-rules:changed`;
}

/**
 * Tells every worker that the rules, or the instruments they select (type, location, status), changed,
 * after the change is committed. The version counter is what workers check before each batch, so a
 * batch queued after this returns is evaluated against the change; the publish only makes workers
 * reload at once instead of with their next batch. If Redis is down the change still stands and
 * workers catch up with their periodic reload.
 */
@Injectable()
export class AlertRuleIndexSignal {
  private readonly logger = new Logger('AlertRuleIndexSignal');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async changed(): Promise<void> {
    const prefix = this.config.redis.prefix;
    try {
      const version = await this.redis.incr(ruleIndexVersionKey(prefix));
      await this.redis.publish(ruleIndexChannel(prefix), String(version));
    } catch (err) {
      this.logger.warn(
        `rule change not announced to the workers (they reload within a minute): ${(err as Error).message}`,
      );
    }
  }
}
