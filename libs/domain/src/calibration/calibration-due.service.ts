import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { CalibrationDueRepository, PendingDueNotice } from './calibration-due.repository';

/** Instruments whose calibration falls due within this many days get a notice (overdue ones too). */
export const CALIBRATION_DUE_HORIZON_DAYS = 14;
/** The alert key of a calibration coming due or overdue (one open alert per instrument). */
export const CALIBRATION_DUE_ALERT_KEY = 'calibration.due';
/** Alert priorities (1 is the most urgent): overdue instruments may not be used any more. */
export const CALIBRATION_OVERDUE_PRIORITY = 2;
export const CALIBRATION_DUE_SOON_PRIORITY = 4;
/** Notices raised per transaction (each holds its notices' locks while their alerts are triggered). */
const BATCH = 100;

export interface CalibrationDueReport {
  /** instruments due within the horizon or overdue */
  due: number;
  /** alerts raised by this run (the others were raised by an earlier run for the same due date) */
  raised: number;
}

/**
 * The daily calibration check: a `calibration.due` alert for each instrument whose calibration is
 * due within CALIBRATION_DUE_HORIZON_DAYS or overdue, once per instrument and due date (a new
 * calibration record sets a new due date, which gets its own alert when it comes near).
 *
 * Two steps make it idempotent without holding anything across the alerts' own transactions:
 * notices are recorded first (one row per instrument and due date, ON CONFLICT DO NOTHING), then
 * each pending notice is claimed (FOR UPDATE SKIP LOCKED: concurrent runs take different ones), its
 * alert triggered, and the notice marked raised. A run that dies between the trigger and the mark
 * leaves the notice pending; the next run triggers again, which re-triggers the same open alert
 * (one open alert per key and instrument) instead of opening a second one.
 */
@Injectable()
export class CalibrationDueService {
  private readonly logger = new Logger('CalibrationDue');

  constructor(
    private readonly dataSource: DataSource,
    private readonly notices: CalibrationDueRepository,
    private readonly alerts: AlertsService,
  ) {}

  async checkDue(now: Date = new Date()): Promise<CalibrationDueReport> {
    const horizon = new Date(now.getTime() + CALIBRATION_DUE_HORIZON_DAYS * 86400_000);
    const due = await this.notices.countDue(horizon);
    await this.notices.recordNew(now, horizon);
    let raised = 0;
    for (;;) {
      const batch = await this.dataSource.transaction(async (em) => {
        const pending = await this.notices.claimPending(BATCH, em);
        for (const notice of pending) {
          const { alert } = await this.alerts.trigger(notice.workspaceId, CALIBRATION_DUE_ALERT_KEY, {
            instrumentId: notice.instrumentId,
            ...alertOf(notice, now),
            actor: { kind: 'system' },
          });
          await this.notices.markRaised(notice.id, alert.id, em);
        }
        return pending.length;
      });
      raised += batch;
      if (batch < BATCH) break;
    }
    this.logger.log(`${due} instrument(s) due for calibration; ${raised} calibration.due alert(s) raised`);
    return { due, raised };
  }
}

function alertOf(notice: PendingDueNotice, now: Date): { priority: number; note: string } {
  const dueAt = new Date(notice.dueAt);
  const overdue = dueAt.getTime() <= now.getTime();
  return {
    priority: overdue ? CALIBRATION_OVERDUE_PRIORITY : CALIBRATION_DUE_SOON_PRIORITY,
    note: overdue
      ? `The calibration of "${notice.instrumentName}" is overdue since ${dueAt.toISOString()}: it is not qualified`
      : `The calibration of "${notice.instrumentName}" is due at ${dueAt.toISOString()}`,
  };
}
