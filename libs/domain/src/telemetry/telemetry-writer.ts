import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ValidationError } from '@labwire/core';
import { StoreResult, TelemetryReading } from './telemetry-reading';
import { TELEMETRY_MAX_AHEAD_MS } from './telemetry-time';

export { TELEMETRY_MAX_AHEAD_MS };
import { TelemetryRepository } from './telemetry.repository';

const MAX_BATCH = 50_000;
const DAY_MS = 86_400_000;
const KEPT_DAYS_TTL_MS = 60_000;

function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/**
 * Stores telemetry batches: idempotent (a redelivered batch adds nothing), two statements per batch,
 * creating any missing daily partition first (backfills reach days no partition was made for).
 */
@Injectable()
export class TelemetryWriter {
  /** Days whose partition is known to exist; partitions are never dropped for days still written. */
  private readonly knownDays = new Set<string>();
  private native?: Promise<boolean>;
  private readonly logger = new Logger('TelemetryWriter');
  private kept?: { days: number; at: number };

  constructor(
    private readonly dataSource: DataSource,
    private readonly telemetry: TelemetryRepository,
  ) {}

  /** `heardAt`: when the instruments were heard from, if these readings prove it (see storeBatch). */
  async store(readings: TelemetryReading[], heardAt?: Date): Promise<StoreResult> {
    if (readings.length > MAX_BATCH) {
      throw new ValidationError(`A telemetry batch holds at most ${MAX_BATCH} readings, got ${readings.length}`);
    }
    // Readings from a clock far ahead would freeze latest values and make partitions no retention
    // drops; readings older than any workspace keeps would be deleted at once. Neither is stored.
    await this.keptDays();
    const accepted = readings.filter((r) => this.storable(r.time));
    const rejected = readings.length - accepted.length;
    if (rejected)
      this.logger.warn(`${rejected} of ${readings.length} readings outside the storable time window dropped`);
    if (!accepted.length) return { inserted: 0, duplicates: 0, rejected };
    await this.ensurePartitions(accepted);
    try {
      return { ...(await this.telemetry.storeBatch(accepted, heardAt)), rejected };
    } catch (err) {
      // 23514 "no partition of relation found": maintenance (maybe in another process) dropped a day
      // this process thought existed. Forget what it knew and make the partitions again, once.
      if ((err as { driverError?: { code?: string } }).driverError?.code !== '23514') throw err;
      this.forgetPartitions();
      await this.ensurePartitions(accepted);
      return { ...(await this.telemetry.storeBatch(accepted, heardAt)), rejected };
    }
  }

  /**
   * Whether a reading at `time` is kept: not from a clock far ahead, not older than any workspace
   * keeps. Uses the retention last read by `store`.
   */
  storable(time: Date): boolean {
    const now = Date.now();
    const t = time.getTime();
    return t <= now + TELEMETRY_MAX_AHEAD_MS && (!this.kept || t >= now - this.kept.days * DAY_MS);
  }

  /** Reads the retention storable() uses (store() does so itself); for checks made before storing. */
  async refreshRetention(): Promise<void> {
    await this.keptDays();
  }

  /** The longest retention of any workspace, re-read at most once a minute. */
  private async keptDays(): Promise<number> {
    if (!this.kept || Date.now() - this.kept.at > KEPT_DAYS_TTL_MS) {
      this.kept = { days: await this.telemetry.longestRetentionDays(), at: Date.now() };
    }
    return this.kept.days;
  }

  /** Forget known partitions (after maintenance dropped some). */
  forgetPartitions(): void {
    this.knownDays.clear();
  }

  private async ensurePartitions(readings: TelemetryReading[]): Promise<void> {
    // Cache only an answer, never a failure: a database blip must not disable storing for good.
    this.native ??= this.telemetry.usesNativePartitions().catch((err: unknown) => {
      this.native = undefined;
      throw err;
    });
    if (!(await this.native)) return;
    const dayNumbers = new Set<number>();
    for (const r of readings) dayNumbers.add(Math.floor(r.time.getTime() / DAY_MS));
    const missing = [...dayNumbers].map((n) => utcDay(new Date(n * DAY_MS))).filter((d) => !this.knownDays.has(d));
    // Each day on its own (not the span between the oldest and newest), in short transactions:
    // creating a partition briefly locks the parent table.
    for (const day of missing) {
      await this.telemetry.ensurePartitions(day, day);
      this.knownDays.add(day);
    }
  }
}
