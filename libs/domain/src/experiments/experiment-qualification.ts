import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface Qualification {
  qualified: boolean;
  reasons: string[];
}

/**
 * Whether instruments may produce results: an instrument is qualified when it is `active` and its
 * calibration is not overdue (`calibrationDueAt` in the past).
 */
@Injectable()
export class ExperimentQualification {
  constructor(private readonly dataSource: DataSource) {}

  async check(workspaceId: string, instrumentIds: string[], em?: EntityManager): Promise<Map<string, Qualification>> {
    const rows: Array<{ id: string; status: string; calibrationDueAt: Date | null }> = await (
      em ?? this.dataSource.manager
    ).query(
      `SELECT id, status, calibration_due_at AS "calibrationDueAt" FROM instruments
        WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
      [workspaceId, instrumentIds],
    );
    const now = Date.now();
    return new Map(
      rows.map((r) => {
        const reasons: string[] = [];
        if (r.status !== 'active') reasons.push(`status is ${r.status}`);
        if (r.calibrationDueAt && new Date(r.calibrationDueAt).getTime() < now) {
          reasons.push(`calibration overdue since ${new Date(r.calibrationDueAt).toISOString()}`);
        }
        return [r.id, { qualified: reasons.length === 0, reasons }];
      }),
    );
  }
}
