import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ValidationError } from '@labwire/core';
import { StoreResult, TelemetryReading } from './telemetry-reading';
import { TelemetryRepository } from './telemetry.repository';

const MAX_BATCH = 50_000;

function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/**
 * Stores telemetry batches: idempotent (a redelivered batch adds nothing), one transaction per batch,
 * creating any missing daily partition first (backfills reach days no partition was made for).
 */
@Injectable()
export class TelemetryWriter {
  /** Days whose partition is known to exist; partitions are never dropped for days still written. */
  private readonly knownDays = new Set<string>();
  private native?: Promise<boolean>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly telemetry: TelemetryRepository,
  ) {}

  async store(readings: TelemetryReading[]): Promise<StoreResult> {
    if (!readings.length) return { inserted: 0, duplicates: 0 };
    if (readings.length > MAX_BATCH) {
      throw new ValidationError(`A telemetry batch holds at most ${MAX_BATCH} readings, got ${readings.length}`);
    }
    await this.ensurePartitions(readings);
    try {
      return await this.dataSource.transaction((em) => this.telemetry.storeBatch(readings, em));
    } catch (err) {
      // 23514 "no partition of relation found": maintenance (maybe in another process) dropped a day
      // this process thought existed. Forget what it knew and make the partitions again, once.
      if ((err as { driverError?: { code?: string } }).driverError?.code !== '23514') throw err;
      this.forgetPartitions();
      await this.ensurePartitions(readings);
      return this.dataSource.transaction((em) => this.telemetry.storeBatch(readings, em));
    }
  }

  /** Forget known partitions (after maintenance dropped some). */
  forgetPartitions(): void {
    this.knownDays.clear();
  }

  private async ensurePartitions(readings: TelemetryReading[]): Promise<void> {
    this.native ??= this.telemetry.usesNativePartitions();
    if (!(await this.native)) return;
    const missing = [...new Set(readings.map((r) => utcDay(r.time)))].filter((d) => !this.knownDays.has(d)).sort();
    if (!missing.length) return;
    // Its own short transaction: creating a partition locks the parent table briefly.
    await this.telemetry.ensurePartitions(missing[0], missing[missing.length - 1]);
    for (const d of missing) this.knownDays.add(d);
  }
}
