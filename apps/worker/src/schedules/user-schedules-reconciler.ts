import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ScheduleSync } from '@labwire/domain';
import { JobName, JobProducer } from '@labwire/queue';

export const SCHEDULES_RECONCILE_SCHEDULER_ID = 'schedules.reconcile';
/** How often BullMQ's job schedulers are checked against the schedules table. */
export const SCHEDULES_RECONCILE_EVERY_MS = 60_000;
export const EXPORTS_PURGE_SCHEDULER_ID = 'schedules.purge-exports';
const EXPORTS_PURGE_EVERY_MS = 3600_000;

/**
 * Users' schedules live in the `schedules` table; their BullMQ job schedulers are derived from it. At
 * boot every worker reconciles the two (a flushed Redis gets its schedulers back; a schedule deleted
 * while Redis was away loses its scheduler), and a fixed scheduler repeats that every minute, which
 * also mends a change whose own sync failed.
 */
@Injectable()
export class UserSchedulesReconciler implements OnApplicationBootstrap {
  private readonly logger = new Logger('Schedules');

  constructor(
    private readonly sync: ScheduleSync,
    private readonly producer: JobProducer,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: with Redis down the worker still boots (and reports not ready) instead of hanging.
    this.sync
      .reconcileAll()
      .then((r) => this.logger.log(`user schedules reconciled at boot: ${r.upserted} made, ${r.removed} removed`))
      .catch((err: Error) => this.logger.error(`could not reconcile user schedules at boot: ${err.message}`));
    const everyMs = SCHEDULES_RECONCILE_EVERY_MS;
    this.producer
      .schedule(SCHEDULES_RECONCILE_SCHEDULER_ID, JobName.SchedulesReconcile, {}, { everyMs })
      .then(() => this.logger.log(`user schedules reconciled every ${everyMs / 1000} s`))
      .catch((err: Error) => this.logger.error(`could not schedule the schedules reconciliation: ${err.message}`));
    this.producer
      .schedule(EXPORTS_PURGE_SCHEDULER_ID, JobName.ScheduleExportsPurge, {}, { everyMs: EXPORTS_PURGE_EVERY_MS })
      .catch((err: Error) => this.logger.error(`could not schedule the telemetry exports purge: ${err.message}`));
  }
}
