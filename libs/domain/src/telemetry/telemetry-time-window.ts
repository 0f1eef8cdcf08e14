import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { TelemetryRepository } from './telemetry.repository';

const DAY_MS = 86_400_000;
const TTL_MS = 60_000;

/**
 * The oldest time the worker still stores (the longest telemetry retention of any workspace, as
 * TelemetryWriter.storable uses it), for the MQTT bridge to name a reading it would discard (an
 * instrument whose clock was reset to 2000-01-01) instead of letting it vanish in the worker. Read in
 * the background at most once a minute: the hot path never waits for the database, and until the
 * first read it checks nothing (the worker still filters).
 */
@Injectable()
export class TelemetryTimeWindow implements OnApplicationBootstrap {
  private readonly logger = new Logger('TelemetryTimeWindow');
  private keptDays?: number;
  private readAt = 0;
  private reading = false;

  constructor(private readonly telemetry: TelemetryRepository) {}

  /** Read once at boot, so the first messages are checked too. */
  onApplicationBootstrap(): void {
    this.refresh();
  }

  /** Days of telemetry kept, if known. */
  get days(): number | undefined {
    return this.keptDays;
  }

  /** The oldest storable time (epoch ms), or undefined while the retention was never read. */
  oldest(now = Date.now()): number | undefined {
    if (now - this.readAt > TTL_MS) this.refresh();
    return this.keptDays === undefined ? undefined : now - this.keptDays * DAY_MS;
  }

  private refresh(): void {
    if (this.reading) return;
    this.reading = true;
    this.telemetry
      .longestRetentionDays()
      .then(
        (days) => {
          this.keptDays = days;
          this.readAt = Date.now();
        },
        (err: unknown) => this.logger.warn(`telemetry retention not read: ${(err as Error).message}`),
      )
      .finally(() => (this.reading = false));
  }
}
