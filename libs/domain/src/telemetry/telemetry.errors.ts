import { DomainError } from '@labwire/core';

/** A backfill holding more readings than TELEMETRY_BACKFILL_MAX_POINTS (413, naming the limit). */
export class BackfillTooManyPointsError extends DomainError {
  constructor(limitPoints: number) {
    super(
      'PAYLOAD_TOO_LARGE',
      `A telemetry backfill holds at most ${limitPoints} readings; split the upload into several requests`,
      undefined,
      { limitPoints },
    );
  }
}
