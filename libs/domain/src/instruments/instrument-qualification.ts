import { Instrument } from './instrument.entity';

/**
 * Why an instrument is not qualified to produce results. Values are part of the API (experiments
 * answer them in INSTRUMENT_NOT_QUALIFIED): add, never rename.
 */
export const QUALIFICATION_REASON_CODES = [
  'NOT_FOUND',
  'NOT_ACTIVE',
  'CALIBRATION_OVERDUE',
  'CALIBRATION_FAILED',
] as const;
export type QualificationReasonCode = (typeof QUALIFICATION_REASON_CODES)[number];

export interface QualificationReason {
  code: QualificationReasonCode;
  message: string;
}

export interface InstrumentQualification {
  instrumentId: string;
  qualified: boolean;
  /** empty when qualified */
  reasons: QualificationReason[];
}

type QualificationFacts = Pick<Instrument, 'id' | 'status' | 'calibrationDueAt' | 'lastCalibrationResult'>;

/**
 * The rule, in one place: an instrument is qualified when its status is `active`, its calibration is
 * not overdue at `at` (no due date counts as not overdue) and its last calibration did not fail.
 * QUALIFIED_SQL is the same rule for list filters; a spec keeps the two in step.
 */
export function qualificationOf(instrument: QualificationFacts, at: Date): InstrumentQualification {
  const reasons: QualificationReason[] = [];
  if (instrument.status !== 'active') {
    reasons.push({ code: 'NOT_ACTIVE', message: `the instrument's status is ${instrument.status}, not active` });
  }
  const due = instrument.calibrationDueAt ? new Date(instrument.calibrationDueAt) : null;
  if (due && due.getTime() <= at.getTime()) {
    reasons.push({ code: 'CALIBRATION_OVERDUE', message: `its calibration was due at ${due.toISOString()}` });
  }
  if (instrument.lastCalibrationResult === 'fail') {
    reasons.push({ code: 'CALIBRATION_FAILED', message: 'its last calibration failed' });
  }
  return { instrumentId: instrument.id, qualified: reasons.length === 0, reasons };
}

/** An id that is not an instrument of the workspace is not qualified either. */
export function notFoundQualification(instrumentId: string): InstrumentQualification {
  return {
    instrumentId,
    qualified: false,
    reasons: [{ code: 'NOT_FOUND', message: 'no such instrument in this workspace' }],
  };
}

/**
 * qualificationOf as a predicate on the `instruments` table (unqualified alias), with `at` the SQL
 * expression of the moment (a parameter such as `$2`).
 */
export function qualifiedSql(at: string): string {
  return `(status = 'active' AND (calibration_due_at IS NULL OR calibration_due_at > ${at})
    AND last_calibration_result IS DISTINCT FROM 'fail')`;
}
