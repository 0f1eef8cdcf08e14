import { JobName } from './job-name';
import { QueueName } from './queue-name';

/** Payload of JobName.MaintenancePurge: nothing to say; the worker's config decides the cut-offs. */
export type MaintenancePurgeData = Record<string, never>;

export interface MaintenancePurgeResult {
  /** session rows deleted (ended or revoked) plus expired refresh-token rows */
  sessionRows: number;
  /** email verification and password reset tokens deleted: expired or used before the run */
  accountTokens: number;
  auditEntries: number;
  /** ISO-8601: audit entries created before this were deleted */
  auditBefore: string;
  /** ISO-8601: sessions that ended before this were deleted */
  sessionsBefore: string;
  /** resolved alerts, other alert history entries and ended silences deleted (ALERT_HISTORY_RETENTION) */
  alerts: number;
  alertHistoryEntries: number;
  alertSilences: number;
  /** finished notification deliveries deleted (same cut-off) */
  notificationDeliveries: number;
  alertsBefore: string;
}

export type TelemetryRetentionData = Record<string, never>;

export type JobsSweepData = Record<string, never>;

export interface JobsSweepResult {
  /** queued jobs found with no BullMQ job, and queued again */
  requeued: number;
}

/** One reading as it travels through Redis: times as ISO-8601 strings. */
export interface QueuedReading {
  time: string;
  instrumentId: string;
  metric: string;
  value: number;
  tags?: Record<string, unknown> | null;
}

export interface TelemetryStoreBatchData {
  readings: QueuedReading[];
  /** where the batch came from, for logs and metrics */
  source: 'mqtt' | 'rest';
  /** ISO-8601: when the first reading of the batch reached Labwire (publish-to-stored lag) */
  receivedAt: string;
}

export interface TelemetryStoreBatchResult {
  inserted: number;
  duplicates: number;
  /** readings outside the storable time window */
  rejected?: number;
}

/**
 * Payload of every job the Jobs API tracks (a row of the `jobs` table): only the row's id and
 * workspace. The job's input lives with the row in PostgreSQL, not in Redis, so a failed or
 * cancelled job can be retried long after BullMQ forgot it, and Redis holds no bulky payloads.
 */
export interface TrackedJobData {
  jobId: string;
  workspaceId: string;
}

/**
 * What a tracked job's run ended as: `failed` for a failure retrying cannot mend (recorded on the
 * job, so BullMQ does not try again); `skipped` when its row was gone or no longer runnable.
 */
export type TrackedJobOutcome = 'succeeded' | 'failed' | 'cancelled' | 'skipped';

export type TelemetryBackfillData = TrackedJobData;

export interface TelemetryBackfillResult {
  outcome: TrackedJobOutcome;
  inserted: number;
  duplicates: number;
  /** valid readings outside the storable time window when they were written */
  rejected: number;
}

export type IngestionRunData = TrackedJobData;

export interface IngestionRunResult {
  outcome: TrackedJobOutcome;
  /** records of the data source once the run ended */
  records: number;
  /** records this run wrote */
  inserted: number;
  /** rows, lines, items, pages or URLs that could not be ingested */
  failed: number;
}

export type ClassificationRunData = TrackedJobData;

export interface ClassificationRunResult {
  outcome: TrackedJobOutcome;
  /** records classified by the job, earlier runs included */
  classified: number;
  /** results this job wrote (the others existed already for the scheme version) */
  inserted: number;
}

export type TransferExportData = TrackedJobData;

export interface TransferExportResult {
  outcome: TrackedJobOutcome;
  /** entity lines written */
  lines: number;
  /** gzip bytes stored */
  bytes: number;
}

export type TransferImportData = TrackedJobData;

export interface TransferImportResult {
  outcome: TrackedJobOutcome;
  /** entities written by this run (those an earlier run of the same document wrote are not counted) */
  written: number;
}
export type ExperimentRunData = TrackedJobData;

export interface ExperimentRunResult {
  outcome: TrackedJobOutcome;
  /** the experiment's status when the run ended */
  experimentStatus: string | null;
}

export type InstrumentCheckLivenessData = Record<string, never>;

export interface InstrumentCheckLivenessResult {
  /** instruments that went offline now */
  wentOffline: number;
}

export interface InstrumentDispatchCommandsData {
  instrumentId: string;
}

export interface InstrumentDispatchCommandsResult {
  /** commands published now */
  sent: number;
}

export interface CommandJobData {
  commandId: string;
}

export interface InstrumentCommandTimeoutResult {
  /** `unchanged` when the command was no longer waiting for a reply (replied, cancelled, gone) */
  outcome: 'timed_out' | 'unchanged';
}

export interface InstrumentCommandExpireResult {
  /** `unchanged` when the command was no longer queued (sent, cancelled, gone) */
  outcome: 'expired' | 'unchanged';
}

export type InstrumentSweepCommandsData = Record<string, never>;

export interface InstrumentSweepCommandsResult {
  timedOut: number;
  expired: number;
  sent: number;
}

export interface InstrumentMaintenanceEdgeData {
  workspaceId: string;
  instrumentId: string;
  /** ISO-8601: the edge (a window's start or end); the status is judged at this moment or later */
  at: string;
}

export interface InstrumentMaintenanceEdgeResult {
  /** `entered`: put in maintenance; `restored`: back to its earlier status */
  outcome: 'entered' | 'restored' | 'unchanged';
}

export type InstrumentMaintenanceSweepData = Record<string, never>;

export interface InstrumentMaintenanceSweepResult {
  /** instruments found out of step with their windows and put right */
  reconciled: number;
}

export type CalibrationCheckDueData = Record<string, never>;

export interface CalibrationCheckDueResult {
  /** instruments due within the horizon or overdue */
  due: number;
  /** calibration.due alerts raised by this run (the others were raised by an earlier run for the same due date) */
  raised: number;
}

export interface TelemetryRetentionResult {
  partitionsCreated: number;
  partitionsDropped: string[];
  rowsDeleted: number;
  keptDays: number;
  /** readings of deleted instruments removed */
  deletedInstrumentRows: number;
}

export interface NotificationDeliverData {
  deliveryId: string;
}

export interface NotificationDeliverResult {
  /** `unchanged` when the delivery was no longer pending (delivered, failed or gone) */
  outcome: 'succeeded' | 'failed' | 'unchanged';
  attempt: number;
}

export type NotificationsSweepData = Record<string, never>;

export interface NotificationsSweepResult {
  /** pending deliveries queued again */
  requeued: number;
}

/**
 * Payload of JobName.MailSend: a template of libs/providers/src/mail and its variables (checked by
 * MailService.enqueue, which is how mails are queued). Rendered by the worker, so Redis holds no HTML.
 */
export interface MailSendData {
  to: string[];
  template: string;
  vars: Record<string, string>;
  /** the same on every attempt, so a receiver can drop a duplicate of a retried delivery */
  messageId: string;
}

export interface MailSendResult {
  messageId: string;
  accepted: number;
}
export interface AlertsEscalateData {
  alertId: string;
  /** the escalations the alert must have had so far for this job to act (its step) */
  escalations: number;
}

export interface AlertsAutoResolveData {
  alertId: string;
  /** a re-triggered alert is checked again later under the next round's job id */
  round: number;
}

export interface AlertsPublishDisplayData {
  workspaceId: string;
}

export interface AlertJobResult {
  outcome: 'changed' | 'unchanged' | 'rescheduled';
}

export interface AlertsPublishDisplayResult {
  /** the seq published, null when publishing failed again (a retry follows) */
  seq: number | null;
}
export interface ScheduleTickData {
  scheduleId: string;
  workspaceId: string;
  /** the schedule's timing revision the BullMQ job scheduler was made for (a stale one is dropped) */
  revision: number;
}

export interface ScheduleTickResult {
  /** `started`: the run's job was created; `skipped`: recorded as skipped (overlap); `dropped`: no run */
  outcome: 'started' | 'skipped' | 'dropped';
  /** ISO-8601: the tick the run stands for */
  tickAt?: string;
  reason?: string;
}

/** Payload of JobName.SchedulesReconcile: nothing; every schedule is reconciled. */
export type SchedulesReconcileData = Record<string, never>;

export interface SchedulesReconcileResult {
  upserted: number;
  removed: number;
}

export type ScheduleTelemetryExportData = TrackedJobData;

export interface ScheduleTelemetryExportResult {
  outcome: TrackedJobOutcome;
  /** readings written to the CSV */
  rows: number;
}

export type ScheduleExportsPurgeData = Record<string, never>;

export interface ScheduleExportsPurgeResult {
  /** stored exports deleted */
  purged: number;
}

export type AlertRulesSweepData = Record<string, never>;

export interface AlertRulesCheckInstrumentData {
  instrumentId: string;
}

export interface AlertRulesPerformData {
  pairs: Array<{ ruleId: string; instrumentId: string }>;
}

export interface AlertRulesPerformResult {
  /** alert actions performed (trigger, clear) */
  performed: number;
}

export interface AlertRulesSweepResult {
  /** (rule, instrument) pairs looked at */
  checked: number;
  /** pairs whose state changed */
  changed: number;
  /** alert actions performed (trigger, clear) */
  actions: number;
  /** actions performed on behalf of a worker that died owing them */
  recovered: number;
}

/**
 * The api↔worker contract: one `{name, data}` member per job. Producer and processor are both typed
 * from this union, so a payload change that one side misses does not compile.
 */
export type JobItem =
  | { name: JobName.MaintenancePurge; data: MaintenancePurgeData }
  | { name: JobName.TelemetryRetention; data: TelemetryRetentionData }
  | { name: JobName.JobsSweep; data: JobsSweepData }
  | { name: JobName.TelemetryStoreBatch; data: TelemetryStoreBatchData }
  | { name: JobName.TelemetryBackfill; data: TelemetryBackfillData }
  | { name: JobName.InstrumentCheckLiveness; data: InstrumentCheckLivenessData }
  | { name: JobName.InstrumentDispatchCommands; data: InstrumentDispatchCommandsData }
  | { name: JobName.InstrumentCommandTimeout; data: CommandJobData }
  | { name: JobName.InstrumentCommandExpire; data: CommandJobData }
  | { name: JobName.InstrumentSweepCommands; data: InstrumentSweepCommandsData }
  | { name: JobName.InstrumentMaintenanceEdge; data: InstrumentMaintenanceEdgeData }
  | { name: JobName.InstrumentMaintenanceSweep; data: InstrumentMaintenanceSweepData }
  | { name: JobName.CalibrationCheckDue; data: CalibrationCheckDueData }
  | { name: JobName.IngestionRun; data: IngestionRunData }
  | { name: JobName.ClassificationRun; data: ClassificationRunData }
  | { name: JobName.NotificationDeliver; data: NotificationDeliverData }
  | { name: JobName.NotificationsSweep; data: NotificationsSweepData }
  | { name: JobName.MailSend; data: MailSendData }
  | { name: JobName.AlertsEscalate; data: AlertsEscalateData }
  | { name: JobName.AlertsAutoResolve; data: AlertsAutoResolveData }
  | { name: JobName.AlertsPublishDisplay; data: AlertsPublishDisplayData }
  | { name: JobName.ScheduleTick; data: ScheduleTickData }
  | { name: JobName.SchedulesReconcile; data: SchedulesReconcileData }
  | { name: JobName.ScheduleTelemetryExport; data: ScheduleTelemetryExportData }
  | { name: JobName.ScheduleExportsPurge; data: ScheduleExportsPurgeData }
  | { name: JobName.TransferExport; data: TransferExportData }
  | { name: JobName.TransferImport; data: TransferImportData }
  | { name: JobName.ExperimentRun; data: ExperimentRunData }
  | { name: JobName.AlertRulesSweep; data: AlertRulesSweepData }
  | { name: JobName.AlertRulesCheckInstrument; data: AlertRulesCheckInstrumentData }
  | { name: JobName.AlertRulesPerform; data: AlertRulesPerformData };

/** The queue each job runs on, at the type level (JOB_DEFINITIONS holds the same at runtime). */
export interface JobQueues {
  [JobName.MaintenancePurge]: QueueName.Maintenance;
  [JobName.TelemetryRetention]: QueueName.Maintenance;
  [JobName.JobsSweep]: QueueName.Maintenance;
  [JobName.TelemetryStoreBatch]: QueueName.Telemetry;
  [JobName.TelemetryBackfill]: QueueName.Telemetry;
  [JobName.InstrumentCheckLiveness]: QueueName.Instruments;
  [JobName.InstrumentDispatchCommands]: QueueName.Instruments;
  [JobName.InstrumentCommandTimeout]: QueueName.Instruments;
  [JobName.InstrumentCommandExpire]: QueueName.Instruments;
  [JobName.InstrumentSweepCommands]: QueueName.Instruments;
  [JobName.InstrumentMaintenanceEdge]: QueueName.Instruments;
  [JobName.InstrumentMaintenanceSweep]: QueueName.Instruments;
  [JobName.CalibrationCheckDue]: QueueName.Maintenance;
  [JobName.IngestionRun]: QueueName.Ingestion;
  [JobName.ClassificationRun]: QueueName.Classification;
  [JobName.NotificationDeliver]: QueueName.Notifications;
  [JobName.NotificationsSweep]: QueueName.Notifications;
  [JobName.MailSend]: QueueName.Mail;
  [JobName.AlertsEscalate]: QueueName.Alerts;
  [JobName.AlertsAutoResolve]: QueueName.Alerts;
  [JobName.AlertsPublishDisplay]: QueueName.Alerts;
  [JobName.ScheduleTick]: QueueName.Schedules;
  [JobName.SchedulesReconcile]: QueueName.Schedules;
  [JobName.ScheduleTelemetryExport]: QueueName.Schedules;
  [JobName.ScheduleExportsPurge]: QueueName.Schedules;
  [JobName.TransferExport]: QueueName.Transfer;
  [JobName.TransferImport]: QueueName.Transfer;
  [JobName.ExperimentRun]: QueueName.Experiments;
  [JobName.AlertRulesSweep]: QueueName.AlertRules;
  [JobName.AlertRulesCheckInstrument]: QueueName.AlertRules;
  [JobName.AlertRulesPerform]: QueueName.AlertRules;
}

/** What each job's handler returns (stored by BullMQ as the job's return value). */
export interface JobResults {
  [JobName.MaintenancePurge]: MaintenancePurgeResult;
  [JobName.TelemetryRetention]: TelemetryRetentionResult;
  [JobName.JobsSweep]: JobsSweepResult;
  [JobName.TelemetryStoreBatch]: TelemetryStoreBatchResult;
  [JobName.TelemetryBackfill]: TelemetryBackfillResult;
  [JobName.InstrumentCheckLiveness]: InstrumentCheckLivenessResult;
  [JobName.InstrumentDispatchCommands]: InstrumentDispatchCommandsResult;
  [JobName.InstrumentCommandTimeout]: InstrumentCommandTimeoutResult;
  [JobName.InstrumentCommandExpire]: InstrumentCommandExpireResult;
  [JobName.InstrumentSweepCommands]: InstrumentSweepCommandsResult;
  [JobName.InstrumentMaintenanceEdge]: InstrumentMaintenanceEdgeResult;
  [JobName.InstrumentMaintenanceSweep]: InstrumentMaintenanceSweepResult;
  [JobName.CalibrationCheckDue]: CalibrationCheckDueResult;
  [JobName.IngestionRun]: IngestionRunResult;
  [JobName.ClassificationRun]: ClassificationRunResult;
  [JobName.NotificationDeliver]: NotificationDeliverResult;
  [JobName.NotificationsSweep]: NotificationsSweepResult;
  [JobName.MailSend]: MailSendResult;
  [JobName.AlertsEscalate]: AlertJobResult;
  [JobName.AlertsAutoResolve]: AlertJobResult;
  [JobName.AlertsPublishDisplay]: AlertsPublishDisplayResult;
  [JobName.ScheduleTick]: ScheduleTickResult;
  [JobName.SchedulesReconcile]: SchedulesReconcileResult;
  [JobName.ScheduleTelemetryExport]: ScheduleTelemetryExportResult;
  [JobName.ScheduleExportsPurge]: ScheduleExportsPurgeResult;
  [JobName.TransferExport]: TransferExportResult;
  [JobName.TransferImport]: TransferImportResult;
  [JobName.ExperimentRun]: ExperimentRunResult;
  [JobName.AlertRulesSweep]: AlertRulesSweepResult;
  [JobName.AlertRulesCheckInstrument]: AlertRulesSweepResult;
  [JobName.AlertRulesPerform]: AlertRulesPerformResult;
}

export type JobOf<N extends JobName> = Extract<JobItem, { name: N }>;
export type JobDataOf<N extends JobName> = JobOf<N>['data'];
export type JobResultOf<N extends JobName> = JobResults[N];
export type JobNamesOf<Q extends QueueName> = { [N in JobName]: JobQueues[N] extends Q ? N : never }[JobName];

/**
 * The jobs the Jobs API tracks: a `jobs` row's `kind` is one of these names. Their payload is
 * TrackedJobData (checked below), so the Jobs service can enqueue and re-enqueue any of them.
 */
export const TRACKED_JOB_NAMES = [
  JobName.TelemetryBackfill,
  JobName.IngestionRun,
  JobName.ClassificationRun,
  JobName.ScheduleTelemetryExport,
  JobName.TransferExport,
  JobName.TransferImport,
  JobName.ExperimentRun,
] as const;
export type TrackedJobName = (typeof TRACKED_JOB_NAMES)[number];

type UntrackedPayload = { [N in TrackedJobName]: JobDataOf<N> extends TrackedJobData ? never : N }[TrackedJobName];
export const TRACKED_JOBS_TYPED: [UntrackedPayload] extends [never] ? true : never = true;

// Every JobName must be in the union and in JobResults; these lines stop compiling when one is missing.
type MissingFromUnion = Exclude<JobName, JobItem['name']>;
type MissingResult = Exclude<JobName, keyof JobResults>;
type MissingQueue = Exclude<JobName, keyof JobQueues>;
export const JOB_CONTRACT_COMPLETE: [MissingFromUnion | MissingResult | MissingQueue] extends [never] ? true : never =
  true;
