import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS } from '@labwire/core';
import { InstrumentStateService } from '../instruments/instrument-state.service';
import { StoreResult, TelemetryReading } from './telemetry-reading';
import { TelemetryWriter } from './telemetry-writer';
import { liveTelemetryChannel } from '../live/live-channels';

/** Where a batch came from: telemetry from the broker proves its instruments are connected. */
export interface BatchOrigin {
  source: 'mqtt' | 'rest';
  /** when the first reading of the batch reached Labwire */
  receivedAt: Date;
}

export interface LiveUpdate {
  instrumentId: string;
  readings: Array<{ time: string; metric: string; value: number }>;
}

/**
 * What the worker does with a queued batch: store it (idempotently) and, for what was new, tell
 * live subscribers. Publishing is best effort: the readings are stored either way. Instruments whose
 * telemetry came over MQTT and who were offline (or unknown) come online.
 */
@Injectable()
export class TelemetryIngestService {
  private readonly logger = new Logger('TelemetryIngest');

  constructor(
    private readonly writer: TelemetryWriter,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly states: InstrumentStateService,
  ) {}

  async storeBatch(readings: TelemetryReading[], origin?: BatchOrigin): Promise<StoreResult> {
    // Telemetry from the broker is the instrument talking now; a REST upload is history.
    const result = await this.writer.store(readings, origin?.source === 'mqtt' ? origin.receivedAt : undefined);
    // Only what could be stored is news (readings outside the storable window are not).
    if (result.inserted > 0) await this.publish(readings.filter((r) => this.writer.storable(r.time)));
    // A REST backfill says nothing about whether the instrument is connected now.
    if (origin?.source === 'mqtt') await this.markOnline(readings, origin.receivedAt);
    return result;
  }

  private async markOnline(readings: TelemetryReading[], receivedAt: Date): Promise<void> {
    try {
      await this.states.markOnlineFromTelemetry([...new Set(readings.map((r) => r.instrumentId))], receivedAt);
    } catch (err) {
      // The readings are stored; the state follows with the next batch or status message.
      this.logger.warn(`connection state not updated from telemetry: ${(err as Error).message}`);
    }
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
