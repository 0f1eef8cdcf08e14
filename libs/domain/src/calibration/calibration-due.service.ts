import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CalibrationDueRepository } from './calibration-due.repository';

/** Instruments whose calibration falls due within this many days get a notice (overdue ones too). */
export const CALIBRATION_DUE_HORIZON_DAYS = 14;

export interface CalibrationDueReport {
  due: number;
  raised: number;
  raisedAs: 'alert' | 'audit';
}

/**
 * The daily calibration check: a notice for each instrument whose calibration is due within
 * CALIBRATION_DUE_HORIZON_DAYS or overdue, once per instrument and due date (a new calibration record
 * sets a new due date, which gets its own notice when it comes near). Raised as an entry in the
 * workspace's audit log (entity `calibration_due_notice`); the notice rows and their entries are
 * written in one transaction, so a retried or concurrent run raises nothing twice.
 */
@Injectable()
export class CalibrationDueService {
  private readonly logger = new Logger('CalibrationDue');

  constructor(
    private readonly dataSource: DataSource,
    private readonly notices: CalibrationDueRepository,
    private readonly audit: AuditService,
  ) {}

  async checkDue(now: Date = new Date()): Promise<CalibrationDueReport> {
    const horizon = new Date(now.getTime() + CALIBRATION_DUE_HORIZON_DAYS * 86400_000);
    return this.dataSource.transaction(async (em) => {
      const due = await this.notices.countDue(horizon, em);
      const raised = await this.notices.recordNew(now, horizon, 'audit', em);
      for (const notice of raised) {
        await this.audit.recordBySystem(em, notice.workspaceId, {
          action: 'create',
          entityType: 'calibration_due_notice',
          entityId: notice.id,
          changes: {
            instrumentId: { to: notice.instrumentId },
            instrumentName: { to: notice.instrumentName },
            dueAt: { to: new Date(notice.dueAt).toISOString() },
            overdue: { to: notice.overdue },
          },
        });
      }
      this.logger.log(`${due} instrument(s) due for calibration, ${raised.length} new notice(s)`);
      return { due, raised: raised.length, raisedAs: 'audit' as const };
    });
  }
}
