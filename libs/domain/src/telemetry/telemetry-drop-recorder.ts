import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS } from '@labwire/core';
import { liveDropsChannel } from '../live/live-channels';
import { DropCount, TelemetryDropRepository } from './telemetry-drop.repository';
import { TelemetryDropReason } from './telemetry-message';

/** What an instrument's event stream gets (event `drop`): its drops of one flush interval. */
export interface DropEvent {
  instrumentId: string;
  /** messages dropped in this interval */
  count: number;
  byReason: Partial<Record<TelemetryDropReason, number>>;
  lastReason: TelemetryDropReason;
  lastDetail: string;
  lastAt: string;
}

/** Instruments with unflushed drops kept at most; past it, only the global counter counts. */
const MAX_INSTRUMENTS = 10_000;
const MAX_DETAIL = 500;

/**
 * Per-instrument drop counts of this bridge replica, gathered in memory and written every
 * TELEMETRY_DROPS_FLUSH_MS with one upsert (PostgreSQL: durable, goes with its instrument, one
 * statement per interval however many messages a flood drops). After each write, every instrument
 * that dropped something gets one `drop` event on its live channel: the event stream hears of drops
 * at most once per interval. A failed write keeps the counts for the next one.
 */
@Injectable()
export class TelemetryDropRecorder implements OnApplicationShutdown {
  private readonly logger = new Logger('TelemetryDrops');
  private pending = new Map<string, Map<TelemetryDropReason, DropCount>>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private failing = false;

  constructor(
    private readonly repository: TelemetryDropRepository,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  record(instrumentId: string, reason: TelemetryDropReason, detail: string, at = new Date()): void {
    let reasons = this.pending.get(instrumentId);
    if (!reasons) {
      if (this.pending.size >= MAX_INSTRUMENTS) return;
      this.pending.set(instrumentId, (reasons = new Map()));
    }
    const count = reasons.get(reason);
    if (count) {
      count.count++;
      count.lastAt = at;
      // The detail of a flood's every message would be the same; only the newest is kept.
      if (count.lastDetail !== detail) count.lastDetail = detail.slice(0, MAX_DETAIL);
    } else {
      reasons.set(reason, { instrumentId, reason, count: 1, lastDetail: detail.slice(0, MAX_DETAIL), lastAt: at });
    }
    this.schedule();
  }

  /** Writes what is gathered (and waits for a write in progress). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (!this.pending.size) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.write(batch).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async write(batch: Map<string, Map<TelemetryDropReason, DropCount>>): Promise<void> {
    const counts = [...batch.values()].flatMap((reasons) => [...reasons.values()]);
    let stored: string[];
    try {
      stored = await this.repository.add(counts);
      if (this.failing) this.logger.log('per-instrument drop counts are written again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) {
        this.logger.warn(`per-instrument drop counts not written, kept for the next try: ${(err as Error).message}`);
      }
      this.failing = true;
      for (const c of counts) this.merge(c);
      return;
    }
    await this.announce(stored, batch);
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.config.telemetry.dropsFlushMs);
    this.timer.unref();
  }

  private merge(c: DropCount): void {
    let reasons = this.pending.get(c.instrumentId);
    if (!reasons) this.pending.set(c.instrumentId, (reasons = new Map()));
    const now = reasons.get(c.reason);
    if (!now) reasons.set(c.reason, c);
    else {
      now.count += c.count;
      if (c.lastAt > now.lastAt) Object.assign(now, { lastAt: c.lastAt, lastDetail: c.lastDetail });
    }
    this.schedule();
  }

  /** Best effort, like every live event: the counts are stored either way. */
  private async announce(instrumentIds: string[], batch: Map<string, Map<TelemetryDropReason, DropCount>>) {
    if (!instrumentIds.length) return;
    const pipeline = this.redis.pipeline();
    for (const id of instrumentIds) {
      const reasons = [...(batch.get(id)?.values() ?? [])];
      if (!reasons.length) continue;
      const last = reasons.reduce((a, b) => (b.lastAt > a.lastAt ? b : a));
      const event: DropEvent = {
        instrumentId: id,
        count: reasons.reduce((n, r) => n + r.count, 0),
        byReason: Object.fromEntries(reasons.map((r) => [r.reason, r.count])),
        lastReason: last.reason,
        lastDetail: last.lastDetail,
        lastAt: last.lastAt.toISOString(),
      };
      pipeline.publish(liveDropsChannel(this.config.redis.prefix, id), JSON.stringify(event));
    }
    try {
      await pipeline.exec();
    } catch (err) {
      this.logger.warn(`drop events not published: ${(err as Error).message}`);
    }
  }
}
