import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS } from '@labwire/core';
import { StoreResult, TelemetryReading } from './telemetry-reading';
import { TelemetryWriter } from './telemetry-writer';

export interface LiveUpdate {
  instrumentId: string;
  readings: Array<{ time: string; metric: string; value: number }>;
}

/** The Redis pub/sub channel of an instrument's live telemetry (api replicas relay it as SSE). */
export function liveTelemetryChannel(prefix: string, instrumentId: string): string {
  return `${prefix}:live:telemetry:${instrumentId}`;
}

/**
 * What the worker does with a queued batch: store it (idempotently) and, for what was new, tell
 * live subscribers. Publishing is best effort: the readings are stored either way.
 */
@Injectable()
export class TelemetryIngestService {
  private readonly logger = new Logger('TelemetryIngest');

  constructor(
    private readonly writer: TelemetryWriter,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async storeBatch(readings: TelemetryReading[]): Promise<StoreResult> {
    const result = await this.writer.store(readings);
    // Only what could be stored is news (readings outside the storable window are not).
    if (result.inserted > 0) await this.publish(readings.filter((r) => this.writer.storable(r.time)));
    return result;
  }

  private async publish(readings: TelemetryReading[]): Promise<void> {
    const byInstrument = new Map<string, LiveUpdate>();
    for (const r of readings) {
      let update = byInstrument.get(r.instrumentId);
      if (!update) byInstrument.set(r.instrumentId, (update = { instrumentId: r.instrumentId, readings: [] }));
      update.readings.push({ time: r.time.toISOString(), metric: r.metric, value: r.value });
    }
    try {
      const pipeline = this.redis.pipeline();
      for (const update of byInstrument.values()) {
        pipeline.publish(liveTelemetryChannel(this.config.redis.prefix, update.instrumentId), JSON.stringify(update));
      }
      await pipeline.exec();
    } catch (err) {
      this.logger.warn(`live telemetry not published: ${(err as Error).message}`);
    }
  }
}
