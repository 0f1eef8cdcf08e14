import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { SessionRepository } from '../identity/session.repository';
import { AuditRetentionRepository } from './audit-retention.repository';

export interface PurgeReport {
  /** session rows deleted (ended or revoked) plus expired refresh-token rows */
  sessionRows: number;
  auditEntries: number;
  sessionsBefore: string;
  auditBefore: string;
}

/** Housekeeping the worker runs on a schedule. Idempotent: running it twice deletes nothing more. */
@Injectable()
export class MaintenanceService {
  private readonly logger = new Logger('Maintenance');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: SessionRepository,
    private readonly audit: AuditRetentionRepository,
  ) {}

  /**
   * Deletes sessions (with their refresh tokens) that have ended, expired refresh tokens, and audit
   * entries older than AUDIT_RETENTION.
   */
  async purge(now: Date = new Date()): Promise<PurgeReport> {
    const auditBefore = new Date(now.getTime() - this.config.retention.auditSeconds * 1000);
    const sessionRows = await this.sessions.purgeEnded(now);
    const auditEntries = await this.audit.deleteOlderThan(auditBefore);
    const report: PurgeReport = {
      sessionRows,
      auditEntries,
      sessionsBefore: now.toISOString(),
      auditBefore: auditBefore.toISOString(),
    };
    this.logger.log(
      report,
      `purged ${sessionRows} session/refresh-token rows and ${auditEntries} audit entries older than ${report.auditBefore}`,
    );
    return report;
  }
}
