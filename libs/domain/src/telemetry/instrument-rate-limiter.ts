import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';

interface Bucket {
  tokens: number;
  /** when `tokens` was last brought up to date (ms) */
  at: number;
}

/** Past this many buckets, full ones (instruments quiet for a while) are forgotten: they hold nothing. */
const SWEEP_ABOVE = 50_000;

/**
 * A token bucket per instrument, in this process's memory (each bridge replica limits what it
 * receives; with shared subscriptions an instrument's messages spread over replicas, so the limit
 * holds per replica). One map lookup and a little arithmetic per message: it runs before anything
 * else the bridge does with a message, so a flood costs next to nothing past it.
 */
@Injectable()
export class InstrumentRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly burst: number;
  private readonly description: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { perSecond, burst } = config.mqtt.instrumentRateLimit;
    this.perMs = perSecond / 1000;
    this.burst = burst;
    // Built once: a flood asks for it with every message it drops.
    this.description =
      `over ${perSecond} messages/s (burst ${burst}); ` +
      'the limit is MQTT_INSTRUMENT_MAX_MESSAGES_PER_S / MQTT_INSTRUMENT_BURST';
  }

  /** Whether the limit is on (MQTT_INSTRUMENT_MAX_MESSAGES_PER_S > 0). */
  get enabled(): boolean {
    return this.perMs > 0;
  }

  /** The limit, as a drop's detail says it. */
  describe(): string {
    return this.description;
  }

  /** Takes one message's token; false when the instrument is over its rate (drop the message). */
  take(instrumentId: string, now = performance.now()): boolean {
    if (this.perMs <= 0) return true;
    let bucket = this.buckets.get(instrumentId);
    if (!bucket) {
      if (this.buckets.size >= SWEEP_ABOVE) this.sweep(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(instrumentId, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.perMs);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  private sweep(now: number): void {
    for (const [id, b] of this.buckets) {
      if (b.tokens + (now - b.at) * this.perMs >= this.burst) this.buckets.delete(id);
    }
  }
}
