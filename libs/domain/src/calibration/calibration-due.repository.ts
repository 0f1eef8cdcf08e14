import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** A calibration-due notice waiting for its alert: one per instrument and due date, ever. */
export interface PendingDueNotice {
  id: string;
  workspaceId: string;
  instrumentId: string;
  instrumentName: string;
  dueAt: Date;
}

/** Instruments (not retired) due before $1. */
const DUE = `SELECT id, workspace_id, calibration_due_at FROM instruments
  WHERE calibration_due_at IS NOT NULL AND calibration_due_at < $1 AND status <> 'retired'`;

/**
 * The `calibration_due_notices` table: what makes the daily check idempotent (one row per instrument
 * and due date; its alert raised once). Platform-wide by design: the check covers every workspace.
 */
@Injectable()
export class CalibrationDueRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** How many instruments (not retired) are due before `horizon`. */
  async countDue(horizon: Date): Promise<number> {
    const [{ due }]: Array<{ due: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS due FROM (${DUE}) d`,
      [horizon],
    );
    return due;
  }

  /** Records a pending notice for every instrument due before `horizon` that has none for its due date. */
  async recordNew(now: Date, horizon: Date): Promise<number> {
    const [, inserted]: [unknown, number] = await this.dataSource.query(
      `INSERT INTO calibration_due_notices (workspace_id, instrument_id, due_at, overdue)
       SELECT workspace_id, id, calibration_due_at, calibration_due_at <= $2 FROM (${DUE}) d
       ON CONFLICT (instrument_id, due_at) DO NOTHING`,
      [horizon, now],
    );
    return inserted;
  }

  /**
   * Up to `limit` notices whose alert is not raised yet, locked until the transaction ends (a
   * concurrent run skips them), with the instrument's current name. A notice whose instrument has
   * since been retired or moved to another due date is still raised: it was due when noticed.
   */
  claimPending(limit: number, em: EntityManager): Promise<PendingDueNotice[]> {
    return em.query(
      `SELECT n.id, n.workspace_id AS "workspaceId", n.instrument_id AS "instrumentId", i.name AS "instrumentName",
              n.due_at AS "dueAt"
         FROM calibration_due_notices n JOIN instruments i ON i.id = n.instrument_id
        WHERE n.raised_at IS NULL
        ORDER BY n.created_at, n.id
        LIMIT $1
          FOR UPDATE OF n SKIP LOCKED`,
      [limit],
    );
  }

  async markRaised(id: string, alertId: string, em: EntityManager): Promise<void> {
    await em.query(`UPDATE calibration_due_notices SET raised_at = now(), alert_id = $2 WHERE id = $1`, [id, alertId]);
  }
}
