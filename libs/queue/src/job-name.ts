/**
 * Every job the worker runs. Values are stored with queued and scheduled jobs: once shipped they never
 * change. Each name belongs to exactly one queue (JOB_DEFINITIONS) and must have a handler in the
 * worker, or the worker refuses to boot.
 */
export enum JobName {
  /** Deletes ended sessions, expired refresh tokens and audit entries past their retention. */
  MaintenancePurge = 'maintenance.purge',
  /** Telemetry partitions made ahead and dropped past retention; rows past workspace retention deleted. */
  TelemetryRetention = 'maintenance.telemetry-retention',
  /** Stores a batch of readings (from the MQTT bridge or a REST upload), idempotently. */
  TelemetryStoreBatch = 'telemetry.store-batch',
}

export const JOB_NAMES: readonly JobName[] = Object.values(JobName);
