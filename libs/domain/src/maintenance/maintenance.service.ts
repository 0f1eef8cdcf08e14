import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { AccountTokenRepository } from '../accounts/account-token.repository';
import { SessionRepository } from '../identity/session.repository';
import { AlertPurgeCounts, AlertRetentionRepository } from './alert-retention.repository';
import { AuditRetentionRepository } from './audit-retention.repository';

export interface PurgeReport extends AlertPurgeCounts {
  /** session rows deleted (ended or revoked) plus expired refresh-token rows */
  sessionRows: number;
  /** email verification and password reset tokens deleted: expired or used before the run */
  accountTokens: number;
  auditEntries: number;
  sessionsBefore: string;
  auditBefore: string;
  /** ISO-8601: resolved alerts, alert history and silences older than this were deleted */
  alertsBefore: string;
}

/** Housekeeping the worker runs on a schedule. Idempotent: running it twice deletes nothing more. */
@Injectable()
export class MaintenanceService {
  private readonly logger = new Logger('Maintenance');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: SessionRepository,
    private readonly audit: AuditRetentionRepository,
    private readonly alerts: AlertRetentionRepository,
    private readonly accountTokens: AccountTokenRepository,
  ) {}

  /**
   * Deletes sessions (with their refresh tokens) that have ended, expired refresh tokens, account
   * tokens (mailed links) that expired or were used, and audit
   * entries older than AUDIT_RETENTION, resolved alerts, alert history and ended silences older than
   * ALERT_HISTORY_RETENTION.
   */
  async purge(now: Date = new Date()): Promise<PurgeReport> {
    const auditBefore = new Date(now.getTime() - this.config.retention.auditSeconds * 1000);
    const sessionRows = await this.sessions.purgeEnded(now);
    const accountTokens = await this.accountTokens.purge(now);
    const auditEntries = await this.audit.deleteOlderThan(auditBefore);
    const alertsBefore = new Date(now.getTime() - this.config.retention.alertHistorySeconds * 1000);
    const alertCounts = await this.alerts.purgeBefore(alertsBefore);
    const report: PurgeReport = {
      sessionRows,
      accountTokens,
      auditEntries,
      sessionsBefore: now.toISOString(),
      auditBefore: auditBefore.toISOString(),
      ...alertCounts,
      alertsBefore: alertsBefore.toISOString(),
    };
    this.logger.log(
      report,
      `purged ${sessionRows} session/refresh-token rows, ${accountTokens} account tokens, ${auditEntries} audit entries older than ${report.auditBefore}, ` +
        `${alertCounts.alerts} resolved alerts and ${alertCounts.alertHistoryEntries} alert history entries older than ${report.alertsBefore}`,
    );
    return report;
  }
}
