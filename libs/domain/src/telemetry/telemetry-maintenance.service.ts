import { Injectable, Logger } from '@nestjs/common';
import { TelemetryRepository } from './telemetry.repository';
import { TelemetryWriter } from './telemetry-writer';

export interface TelemetryMaintenanceReport {
  /** daily partitions created ahead (native partitioning) */
  partitionsCreated: number;
  /** partitions (TimescaleDB: chunks) dropped whole, past the longest workspace retention */
  partitionsDropped: string[];
  /** readings deleted past their own workspace's (shorter) retention */
  rowsDeleted: number;
  /** the longest retention of any workspace, in days */
  keptDays: number;
  /** readings deleted because their instrument was deleted */
  deletedInstrumentRows: number;
}

const DAY_MS = 86_400_000;
const DAYS_AHEAD = 7;
const PURGE_CHUNK = 50_000;
/** Deleted instruments are purged again for a day: readings in flight when they were deleted land late. */
const PURGE_GRACE_SECONDS = 86_400;

/**
 * Scheduled telemetry housekeeping: partitions made a week ahead, whole partitions dropped past the
 * longest retention of any workspace, rows of workspaces that keep less deleted individually, and the
 * readings of deleted instruments removed.
 */
@Injectable()
export class TelemetryMaintenanceService {
  private readonly logger = new Logger('TelemetryMaintenance');

  constructor(
    private readonly telemetry: TelemetryRepository,
    private readonly writer: TelemetryWriter,
  ) {}

  async run(now: Date = new Date()): Promise<TelemetryMaintenanceReport> {
    const native = await this.telemetry.usesNativePartitions();
    const keptDays = await this.telemetry.longestRetentionDays();
    let partitionsCreated = 0;
    let partitionsDropped: string[] = [];
    if (native) {
      const from = new Date(now.getTime() - DAY_MS).toISOString().slice(0, 10);
      const to = new Date(now.getTime() + DAYS_AHEAD * DAY_MS).toISOString().slice(0, 10);
      partitionsCreated = await this.telemetry.ensurePartitions(from, to);
      partitionsDropped = await this.telemetry.dropPartitionsBefore(new Date(now.getTime() - keptDays * DAY_MS));
      if (partitionsDropped.length) this.writer.forgetPartitions();
    } else if (await this.telemetry.isHypertable()) {
      // Whole chunks go with drop_chunks (cheap, like dropping partitions) rather than row deletes.
      const cutoff = new Date(Math.floor((now.getTime() - keptDays * DAY_MS) / DAY_MS) * DAY_MS);
      partitionsDropped = await this.telemetry.dropChunksBefore(cutoff);
    }
    const rowsDeleted = await this.telemetry.deleteExpiredPerWorkspace();
    const purged = await this.telemetry.purgeDeletedInstruments(PURGE_CHUNK, PURGE_GRACE_SECONDS);
    const report = { partitionsCreated, partitionsDropped, rowsDeleted, keptDays, deletedInstrumentRows: purged.rows };
    this.logger.log(
      report,
      `telemetry: ${partitionsCreated} partitions created, ${partitionsDropped.length} dropped, ${rowsDeleted} rows past retention deleted, ${purged.rows} rows of ${purged.instruments} deleted instruments deleted`,
    );
    return report;
  }
}
