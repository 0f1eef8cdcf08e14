import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Instrument } from './instrument.entity';
import { InstrumentQualification, notFoundQualification, qualificationOf } from './instrument-qualification';

/**
 * Whether instruments are qualified to produce results (see qualificationOf): active, calibration
 * not overdue, last calibration not failed. Experiments ask it before assigning or starting.
 */
@Injectable()
export class InstrumentQualificationService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One answer per requested id, in the order asked (duplicates answered once each time they
   * appear); ids that are not instruments of the workspace answer NOT_FOUND. `at` (default now) is
   * the moment the calibration due date is compared with; the status and the last result are the
   * current ones. Pass `em` to read inside a transaction (e.g. one holding the instruments' locks).
   */
  async evaluate(
    workspaceId: string,
    instrumentIds: string[],
    at: Date = new Date(),
    em?: EntityManager,
  ): Promise<InstrumentQualification[]> {
    const unique = [...new Set(instrumentIds.map((id) => id.toLowerCase()))];
    if (!unique.length) return [];
    const rows: Array<Pick<Instrument, 'id' | 'status' | 'calibrationDueAt' | 'lastCalibrationResult'>> = await (
      em ?? this.dataSource.manager
    ).query(
      `SELECT id, status, calibration_due_at AS "calibrationDueAt", last_calibration_result AS "lastCalibrationResult"
         FROM instruments
        WHERE workspace_id = $1 AND id::text = ANY($2::text[])`,
      [workspaceId, unique],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return instrumentIds.map((id) => {
      const row = byId.get(id.toLowerCase());
      return row ? qualificationOf(row, at) : notFoundQualification(id);
    });
  }
}
