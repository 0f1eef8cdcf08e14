import { qualificationOf, qualifiedSql } from './instrument-qualification';

const at = new Date('2026-12-01T12:00:00Z');
const base = { id: 'i1', status: 'active' as const, calibrationDueAt: null, lastCalibrationResult: null };

describe('qualificationOf', () => {
  it('qualifies an active instrument with no due date and no failed calibration', () => {
    expect(qualificationOf(base, at)).toEqual({ instrumentId: 'i1', qualified: true, reasons: [] });
    expect(qualificationOf({ ...base, lastCalibrationResult: 'adjusted' }, at).qualified).toBe(true);
    expect(qualificationOf({ ...base, calibrationDueAt: new Date('2026-12-01T12:00:01Z') }, at).qualified).toBe(true);
  });

  it('is overdue from the due moment on', () => {
    const due = qualificationOf({ ...base, calibrationDueAt: new Date('2026-12-01T12:00:00Z') }, at);
    expect(due.qualified).toBe(false);
    expect(due.reasons.map((r) => r.code)).toEqual(['CALIBRATION_OVERDUE']);
  });

  it('names every reason', () => {
    const q = qualificationOf(
      {
        ...base,
        status: 'maintenance',
        calibrationDueAt: new Date('2026-01-01T00:00:00Z'),
        lastCalibrationResult: 'fail',
      },
      at,
    );
    expect(q.reasons.map((r) => r.code)).toEqual(['NOT_ACTIVE', 'CALIBRATION_OVERDUE', 'CALIBRATION_FAILED']);
    expect(q.reasons[0].message).toContain('maintenance');
  });

  it('has an SQL twin on the same three columns', () => {
    const sql = qualifiedSql('$9');
    expect(sql).toContain(`status = 'active'`);
    expect(sql).toContain('calibration_due_at > $9');
    expect(sql).toContain(`last_calibration_result IS DISTINCT FROM 'fail'`);
  });
});
