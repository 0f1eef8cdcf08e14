import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** A calibration-due notice just recorded: one per instrument and due date, ever. */
export interface CalibrationDueNotice {
  id: string;
  workspaceId: string;
  instrumentId: string;
  instrumentName: string;
  dueAt: Date;
  overdue: boolean;
}

/** The `calibration_due_notices` table: what makes the daily check idempotent. Platform-wide by design. */
@Injectable()
export class CalibrationDueRepository {
  /** How many instruments (not retired) are due before `horizon`. */
  async countDue(horizon: Date, em: EntityManager): Promise<number> {
    const [{ due }]: Array<{ due: number }> = await em.query(
      `SELECT count(*)::int AS due FROM instruments
        WHERE calibration_due_at IS NOT NULL AND calibration_due_at < $1 AND status <> 'retired'`,
      [horizon],
    );
    return due;
  }

  /**
   * Records a notice for every instrument (not retired) due before `horizon` that has none for its
   * current due date, and returns only those: a second run, or a concurrent one, returns nothing.
   */
  async recordNew(
    now: Date,
    horizon: Date,
    raisedAs: 'audit' | 'alert',
    em: EntityManager,
  ): Promise<CalibrationDueNotice[]> {
    return em.query(
      `WITH due AS (
         SELECT id, workspace_id, name, calibration_due_at FROM instruments
          WHERE calibration_due_at IS NOT NULL AND calibration_due_at < $2 AND status <> 'retired'),
       inserted AS (
         INSERT INTO calibration_due_notices (workspace_id, instrument_id, due_at, overdue, raised_as)
         SELECT workspace_id, id, calibration_due_at, calibration_due_at <= $1, $3 FROM due
         ON CONFLICT (instrument_id, due_at) DO NOTHING
         RETURNING id, workspace_id, instrument_id, due_at, overdue)
       SELECT n.id, n.workspace_id AS "workspaceId", n.instrument_id AS "instrumentId", d.name AS "instrumentName",
              n.due_at AS "dueAt", n.overdue
         FROM inserted n JOIN due d ON d.id = n.instrument_id
        ORDER BY n.due_at`,
      [now, horizon, raisedAs],
    );
  }
}
