import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Retention of the audit trail. Separate from the audit context's own repository: this is the one
 * bulk delete the maintenance job needs, across every workspace by design (retention is platform-wide).
 */
@Injectable()
export class AuditRetentionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Deletes entries created before `before`, in batches so no single statement holds locks on a
   * large table for long. Returns how many were deleted.
   */
  async deleteOlderThan(before: Date, batchSize = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const rows: [unknown[], number] = await this.dataSource.query(
        `DELETE FROM audit_entries
          WHERE id IN (SELECT id FROM audit_entries WHERE created_at < $1 ORDER BY created_at LIMIT $2)`,
        [before, batchSize],
      );
      const deleted = rows[1];
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }
}
