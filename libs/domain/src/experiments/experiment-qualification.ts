import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { QualificationReason } from '../instruments/instrument-qualification';
import { InstrumentQualificationService } from '../instruments/instrument-qualification.service';

export interface Qualification {
  qualified: boolean;
  reasons: QualificationReason[];
}

/**
 * Qualification as experiments use it: the instruments' answers (InstrumentQualificationService:
 * active, calibration not overdue, last calibration not failed) by instrument id.
 */
@Injectable()
export class ExperimentQualification {
  constructor(private readonly qualification: InstrumentQualificationService) {}

  async check(workspaceId: string, instrumentIds: string[], em?: EntityManager): Promise<Map<string, Qualification>> {
    const answers = await this.qualification.evaluate(workspaceId, instrumentIds, new Date(), em);
    return new Map(answers.map((a) => [a.instrumentId.toLowerCase(), { qualified: a.qualified, reasons: a.reasons }]));
  }
}
