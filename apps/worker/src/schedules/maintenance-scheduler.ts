import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { JobName, JobProducer } from '@labwire/queue';

/** The scheduler id: one per recurring task, shared by every worker replica. */
export const MAINTENANCE_SCHEDULER_ID = 'maintenance.purge';
export const TELEMETRY_RETENTION_SCHEDULER_ID = 'maintenance.telemetry-retention';
export const JOBS_SWEEP_SCHEDULER_ID = 'maintenance.jobs-sweep';
const JOBS_SWEEP_EVERY_MS = 60_000;
export const CALIBRATION_DUE_SCHEDULER_ID = 'maintenance.calibration-due';
/** Every day at 06:00 UTC, before a lab's working day in most of the world. */
export const CALIBRATION_DUE_CRON = '0 6 * * *';
export const MAINTENANCE_WINDOW_SWEEP_SCHEDULER_ID = 'instruments.maintenance-sweep';
/** The safety net behind each window's edge jobs: an edge is applied at most this late. */
const MAINTENANCE_WINDOW_SWEEP_EVERY_MS = 60_000;

/**
 * Keeps the maintenance purge on a BullMQ job scheduler every MAINTENANCE_INTERVAL. Every replica
 * upserts the same scheduler id at boot, so there is one schedule however many workers run, and a
 * changed interval takes effect on the next deploy.
 */
@Injectable()
export class MaintenanceScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('Schedules');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly producer: JobProducer,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: with Redis down the worker still boots (and reports not ready) instead of hanging.
    const everyMs = this.config.worker.maintenanceIntervalSeconds * 1000;
    this.producer
      .schedule(MAINTENANCE_SCHEDULER_ID, JobName.MaintenancePurge, {}, { everyMs })
      .then(() => this.logger.log(`maintenance purge scheduled every ${everyMs / 1000} s`))
      .catch((err: Error) => this.logger.error(`could not schedule the maintenance purge: ${err.message}`));
    this.producer
      .schedule(TELEMETRY_RETENTION_SCHEDULER_ID, JobName.TelemetryRetention, {}, { everyMs })
      .then(() => this.logger.log(`telemetry retention scheduled every ${everyMs / 1000} s`))
      .catch((err: Error) => this.logger.error(`could not schedule telemetry retention: ${err.message}`));
    this.producer
      .schedule(JOBS_SWEEP_SCHEDULER_ID, JobName.JobsSweep, {}, { everyMs: JOBS_SWEEP_EVERY_MS })
      .then(() => this.logger.log(`jobs sweep scheduled every ${JOBS_SWEEP_EVERY_MS / 1000} s`))
      .catch((err: Error) => this.logger.error(`could not schedule the jobs sweep: ${err.message}`));
    this.producer
      .schedule(
        CALIBRATION_DUE_SCHEDULER_ID,
        JobName.CalibrationCheckDue,
        {},
        {
          cron: CALIBRATION_DUE_CRON,
          timezone: 'UTC',
        },
      )
      .then(() => this.logger.log(`calibration-due check scheduled daily (${CALIBRATION_DUE_CRON} UTC)`))
      .catch((err: Error) => this.logger.error(`could not schedule the calibration-due check: ${err.message}`));
    const sweepEveryMs = MAINTENANCE_WINDOW_SWEEP_EVERY_MS;
    this.producer
      .schedule(
        MAINTENANCE_WINDOW_SWEEP_SCHEDULER_ID,
        JobName.InstrumentMaintenanceSweep,
        {},
        { everyMs: sweepEveryMs },
      )
      .then(() => this.logger.log(`maintenance-window sweep scheduled every ${sweepEveryMs / 1000} s`))
      .catch((err: Error) => this.logger.error(`could not schedule the maintenance-window sweep: ${err.message}`));
  }
}
