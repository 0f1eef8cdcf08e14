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
  /** Puts an instrument in maintenance or back, at one edge of a maintenance window (delayed; one per edge). */
  InstrumentMaintenanceEdge = 'instruments.maintenance-edge',
  /** Safety net (scheduled): instruments whose status disagrees with their maintenance windows. */
  InstrumentMaintenanceSweep = 'instruments.maintenance-sweep',
  /** Raises a calibration.due alert for instruments whose calibration is due soon or overdue (daily). */
  CalibrationCheckDue = 'maintenance.calibration-due',
  /** Reads a data source and writes its records in batches: a Jobs-API job (progress, cancel, retry). */
  IngestionRun = 'ingestion.run',
  /** Labels records with a classification scheme, page by page: a Jobs-API job (progress, cancel, retry). */
  ClassificationRun = 'classification.run',
  /** Delivers one notification to its channel (webhook POST or mail); retried with backoff and jitter. */
  NotificationDeliver = 'notifications.deliver',
  /** Safety net (scheduled): queues again deliveries left pending with no job (a crash between the two). */
  NotificationsSweep = 'notifications.sweep',
  /** Renders a templated mail and sends it through MailTransport (SMTP, or .eml files in development). */
  MailSend = 'mail.send',
  /** Raises an alert nobody acknowledged one priority step (delayed; one per alert and step). */
  AlertsEscalate = 'alerts.escalate',
  /** Resolves an alert nobody cleared within its config's autoResolveAfter (delayed). */
  AlertsAutoResolve = 'alerts.auto-resolve',
  /** Publishes a workspace's current alert again (a failed publication, a silence starting or ending). */
  AlertsPublishDisplay = 'alerts.publish-display',
  /** One firing of a user's schedule (a BullMQ job scheduler per schedule): starts its run's job. */
  ScheduleTick = 'schedules.tick',
  /** Makes BullMQ's job schedulers match the schedules table (at boot, on changes, every minute). */
  SchedulesReconcile = 'schedules.reconcile',
  /** A CSV of a telemetry window written to storage (a schedule's run): a Jobs-API job. */
  ScheduleTelemetryExport = 'schedules.telemetry-export',
  /** Deletes the stored telemetry exports past their 30 days (scheduled). */
  ScheduleExportsPurge = 'schedules.purge-exports',
  /** Writes a workspace export (gzip NDJSON) to storage while reading it: a Jobs-API job. */
  TransferExport = 'transfer.export',
  /** Validates an export document, then writes it into a workspace with ids remapped: a Jobs-API job. */
  TransferImport = 'transfer.import',
  /** Runs an experiment's protocol steps, resuming at the step in progress: a Jobs-API job. */
  ExperimentRun = 'experiment.run',
  /** Evaluates no-data and connectivity rules, and performs alert actions a dead worker owed (scheduled). */
  AlertRulesSweep = 'alert-rules.sweep',
  /** Evaluates the connectivity rules of one instrument whose connection state changed (one per change). */
  AlertRulesCheckInstrument = 'alert-rules.check-instrument',
  /** Performs the alert actions rules owe for some (rule, instrument) pairs (enqueued by telemetry batches). */
  AlertRulesPerform = 'alert-rules.perform',
}

export const JOB_NAMES: readonly JobName[] = Object.values(JobName);
