import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface AlertPurgeCounts {
  /** resolved alerts deleted (their history goes with them) */
  alerts: number;
  /** history entries deleted besides those (e.g. of rule alerts suppressed without an alert) */
  alertHistoryEntries: number;
  /** silences that ended before the cut-off */
  alertSilences: number;
}

/**
 * Retention of alerts (ALERT_HISTORY_RETENTION), across every workspace: resolved alerts resolved
 * before the cut-off, history entries older than it (never those of an alert still open), silences
 * that ended before it. In batches, like the audit purge.
 */
@Injectable()
export class AlertRetentionRepository {
  constructor(private readonly dataSource: DataSource) {}

  async purgeBefore(before: Date, batchSize = 5000): Promise<AlertPurgeCounts> {
    return {
      alerts: await this.inBatches(
        `DELETE FROM alerts WHERE id IN (SELECT id FROM alerts WHERE state = 'resolved' AND resolved_at < $1 LIMIT $2)`,
        before,
        batchSize,
      ),
      alertHistoryEntries: await this.inBatches(
        `DELETE FROM alert_history WHERE id IN (
           SELECT h.id FROM alert_history h WHERE h.at < $1
              AND (h.alert_id IS NULL OR NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = h.alert_id AND a.state <> 'resolved'))
            LIMIT $2)`,
        before,
        batchSize,
      ),
      alertSilences: await this.inBatches(
        `DELETE FROM alert_silences WHERE id IN (SELECT id FROM alert_silences WHERE ends_at < $1 LIMIT $2)`,
        before,
        batchSize,
      ),
    };
  }

  private async inBatches(sql: string, before: Date, batchSize: number): Promise<number> {
    let total = 0;
    for (;;) {
      const rows: [unknown[], number] = await this.dataSource.query(sql, [before, batchSize]);
      total += rows[1];
      if (rows[1] < batchSize) return total;
    }
  }
}
