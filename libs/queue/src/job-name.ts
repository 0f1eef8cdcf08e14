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
  /** Queues again Jobs-API jobs left `queued` with nothing in their queue (a crash between the two). */
  JobsSweep = 'maintenance.jobs-sweep',
  /** Stores a batch of readings (from the MQTT bridge or a REST upload), idempotently. */
  TelemetryStoreBatch = 'telemetry.store-batch',
  /** Stores the readings of a REST backfill upload in chunks: a Jobs-API job (progress, cancel, retry). */
  TelemetryBackfill = 'telemetry.backfill',
  /** Marks instruments offline that stayed silent past their expected interval (scheduled). */
  InstrumentCheckLiveness = 'instruments.check-liveness',
  /** Sends the queued commands of an instrument that came online. */
  InstrumentDispatchCommands = 'instruments.dispatch-commands',
  /** Closes a sent command as timed_out when no reply came in time (delayed; one per command). */
  InstrumentCommandTimeout = 'instruments.command-timeout',
  /** Closes a queued command as expired at its expiresAt (delayed; one per command). */
  InstrumentCommandExpire = 'instruments.command-expire',
  /** Safety net (scheduled): overdue timeouts and expiries, queued commands of online instruments. */
  InstrumentSweepCommands = 'instruments.sweep-commands',
  /** Reads a data source and writes its records in batches: a Jobs-API job (progress, cancel, retry). */
  IngestionRun = 'ingestion.run',
  /** Labels records with a classification scheme, page by page: a Jobs-API job (progress, cancel, retry). */
  ClassificationRun = 'classification.run',
  /** Raises an alert nobody acknowledged one priority step (delayed; one per alert and step). */
  AlertsEscalate = 'alerts.escalate',
  /** Resolves an alert nobody cleared within its config's autoResolveAfter (delayed). */
  AlertsAutoResolve = 'alerts.auto-resolve',
  /** Publishes a workspace's current alert again (a failed publication, a silence starting or ending). */
  AlertsPublishDisplay = 'alerts.publish-display',
  /** Evaluates no-data and connectivity rules, and performs alert actions a dead worker owed (scheduled). */
  AlertRulesSweep = 'alert-rules.sweep',
  /** Evaluates the connectivity rules of one instrument whose connection state changed (one per change). */
  AlertRulesCheckInstrument = 'alert-rules.check-instrument',
  /** Performs the alert actions rules owe for some (rule, instrument) pairs (enqueued by telemetry batches). */
  AlertRulesPerform = 'alert-rules.perform',
}

export const JOB_NAMES: readonly JobName[] = Object.values(JobName);
