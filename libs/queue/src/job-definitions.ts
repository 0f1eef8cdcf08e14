import type { JobsOptions } from 'bullmq';
import { JobName } from './job-name';
import { JobQueues } from './jobs';
import { QueueName } from './queue-name';

export interface JobDefinition {
  queue: QueueName;
  /** the handler is failed (and retried per `options.attempts`) when it runs longer than this */
  timeoutMs: number;
  /** BullMQ options every job of this name gets unless the producer overrides them */
  options: JobsOptions;
}

const HOUR = 3600;
const DAY = 86400;

/** How BullMQ retries a job: `attempts` runs in all, the first retry after `delayMs` (doubling each time when exponential). */
function retry(attempts: number, delayMs: number, type: 'exponential' | 'fixed' = 'exponential'): JobsOptions {
  return { attempts, backoff: { type, delay: delayMs } };
}

/** What BullMQ keeps of finished jobs (removeOnComplete / removeOnFail): the last `count`, each at most `ageSeconds` old. */
function keep(count: number, ageSeconds?: number): { count: number; age?: number } {
  return ageSeconds === undefined ? { count } : { count, age: ageSeconds };
}

/** A scheduled sweep: one attempt (a failed run is followed by the next tick), kept briefly. */
const SWEEP: JobsOptions = {
  ...retry(1, 1_000, 'fixed'),
  removeOnComplete: keep(100, HOUR),
  removeOnFail: keep(500, 7 * DAY),
};

/** A job whose jobs-table row is what users read: BullMQ keeps a day of successes, a week of failures. */
const KEEP_DAY_FAILED_WEEK: JobsOptions = { removeOnComplete: keep(1_000, DAY), removeOnFail: keep(1_000, 7 * DAY) };

/**
 * Where each job runs and how hard BullMQ tries. A mapped type over JobName: adding a JobName without
 * its definition does not compile.
 */
export const JOB_DEFINITIONS: { readonly [N in JobName]: JobDefinition & { queue: JobQueues[N] } } = {
  [JobName.MaintenancePurge]: {
    queue: QueueName.Maintenance,
    timeoutMs: 10 * 60_000,
    options: {
      ...retry(3, 30_000),
      removeOnComplete: keep(100, 7 * DAY),
      removeOnFail: keep(500, 30 * DAY),
    },
  },
  [JobName.TelemetryRetention]: {
    queue: QueueName.Maintenance,
    timeoutMs: 30 * 60_000,
    options: {
      ...retry(3, 30_000),
      removeOnComplete: keep(100, 7 * DAY),
      removeOnFail: keep(500, 30 * DAY),
    },
  },
  [JobName.JobsSweep]: {
    queue: QueueName.Maintenance,
    timeoutMs: 60_000,
    // Runs every minute: a failed run is mostly the next one's work; one quick retry covers a blip.
    options: {
      ...retry(2, 5_000, 'fixed'),
      removeOnComplete: keep(10),
      removeOnFail: keep(100, 7 * DAY),
    },
  },
  [JobName.TelemetryStoreBatch]: {
    queue: QueueName.Telemetry,
    timeoutMs: 60_000,
    options: {
      // A batch was acknowledged to its sender once queued: keep trying (storing is idempotent).
      ...retry(20, 1_000),
      // Up to TELEMETRY_BATCH_SIZE readings each (~650 kB at 5000): once stored they are only weight
      // in Redis, so few are kept; failed ones are kept long, they hold data that is not stored yet.
      removeOnComplete: keep(50, 10 * 60),
      removeOnFail: keep(10_000, 14 * DAY),
    },
  },
  [JobName.TelemetryBackfill]: {
    queue: QueueName.Telemetry,
    // at most TELEMETRY_BACKFILL_MAX_POINTS readings, written in chunks: minutes at the very worst
    timeoutMs: 15 * 60_000,
    options: {
      // Each attempt starts over from the first chunk; storing again adds nothing. The jobs row
      // (not BullMQ's copy) is the record users see, so BullMQ keeps little.
      ...retry(3, 5_000),
      ...KEEP_DAY_FAILED_WEEK,
    },
  },
  [JobName.InstrumentCheckLiveness]: {
    queue: QueueName.Instruments,
    timeoutMs: 60_000,
    // Scheduled every few seconds: a failed run is simply followed by the next one.
    options: { ...SWEEP },
  },
  [JobName.InstrumentDispatchCommands]: {
    queue: QueueName.Instruments,
    timeoutMs: 5 * 60_000,
    options: {
      // A broker blip: try again soon; the command sweep catches anything left after that.
      ...retry(5, 2_000),
      removeOnComplete: keep(1_000, HOUR),
      removeOnFail: keep(1_000, 7 * DAY),
    },
  },
  [JobName.InstrumentCommandTimeout]: {
    queue: QueueName.Instruments,
    timeoutMs: 30_000,
    options: {
      ...retry(5, 1_000),
      removeOnComplete: keep(1_000, HOUR),
      removeOnFail: keep(1_000, 7 * DAY),
    },
  },
  [JobName.InstrumentCommandExpire]: {
    queue: QueueName.Instruments,
    timeoutMs: 30_000,
    options: {
      ...retry(5, 1_000),
      removeOnComplete: keep(1_000, HOUR),
      removeOnFail: keep(1_000, 7 * DAY),
    },
  },
  [JobName.InstrumentSweepCommands]: {
    queue: QueueName.Instruments,
    timeoutMs: 5 * 60_000,
    options: { ...SWEEP },
  },
  [JobName.InstrumentMaintenanceEdge]: {
    queue: QueueName.Instruments,
    timeoutMs: 30_000,
    // Reconciling is idempotent; the sweep catches an edge whose retries ran out.
    options: {
      ...retry(5, 1_000),
      ...KEEP_DAY_FAILED_WEEK,
    },
  },
  [JobName.InstrumentMaintenanceSweep]: {
    queue: QueueName.Instruments,
    timeoutMs: 5 * 60_000,
    // Scheduled every minute: a failed run is simply followed by the next one.
    options: { ...SWEEP },
  },
  [JobName.CalibrationCheckDue]: {
    queue: QueueName.Maintenance,
    timeoutMs: 10 * 60_000,
    // Idempotent per instrument and due date: a retry raises only what the failed run did not.
    options: {
      ...retry(3, 30_000),
      removeOnComplete: keep(100, 30 * DAY),
      removeOnFail: keep(500, 30 * DAY),
    },
  },
  [JobName.IngestionRun]: {
    queue: QueueName.Ingestion,
    // a file of DATASOURCE_MAX_BYTES (or a long URL list) at a few MB/s: well under this
    timeoutMs: 2 * 3600_000,
    options: {
      // A run that died or failed resumes after the last batch it committed; records are unique on
      // (data source, position), so nothing is written twice.
      ...retry(3, 10_000),
      ...KEEP_DAY_FAILED_WEEK,
    },
  },
  [JobName.ClassificationRun]: {
    queue: QueueName.Classification,
    // a long job through a slow, rate-limited model; one that runs out resumes on its next attempt
    timeoutMs: 6 * 3600_000,
    options: {
      // A run that died or failed resumes after the last page it committed; results are unique on
      // (scheme version, record), so nothing is written twice.
      ...retry(3, 10_000),
      ...KEEP_DAY_FAILED_WEEK,
    },
  },
  [JobName.NotificationDeliver]: {
    queue: QueueName.Notifications,
    // a webhook answers within NOTIFY_WEBHOOK_TIMEOUT (10 s); a mail server within its own timeouts
    timeoutMs: 60_000,
    options: {
      // 8 attempts over about 4 minutes: 2 s, 4 s, 8 s … each delay up to 50% shorter at random, so
      // receivers coming back from an outage are not hit by every delivery at once.
      attempts: 8,
      backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 },
      removeOnComplete: { count: 1_000, age: 3600 },
      removeOnFail: { count: 1_000, age: 7 * 86400 },
    },
  },
  [JobName.NotificationsSweep]: {
    queue: QueueName.Notifications,
    timeoutMs: 60_000,
    options: {
      ...retry(1, 1_000, 'fixed'),
      removeOnComplete: keep(10),
      removeOnFail: keep(100, 7 * DAY),
    },
  },
  [JobName.MailSend]: {
    queue: QueueName.Mail,
    // SMTP_TIMEOUTS bound one delivery to well under this
    timeoutMs: 90_000,
    options: {
      // An SMTP server down for a while: 5 s, 10 s, 20 s … about 40 minutes of tries in all.
      ...retry(10, 5_000),
      // The payload holds one-time links: kept briefly once sent, a few days when it failed.
      removeOnComplete: keep(100, HOUR),
      removeOnFail: keep(1_000, 3 * DAY),
    },
  },
  [JobName.AlertsEscalate]: {
    queue: QueueName.Alerts,
    timeoutMs: 30_000,
    // conditional on the alert's escalation count: a retry never escalates twice
    options: {
      ...retry(5, 1_000),
      ...KEEP_DAY_FAILED_WEEK,
    },
  },
  [JobName.AlertsAutoResolve]: {
    queue: QueueName.Alerts,
    timeoutMs: 30_000,
    options: {
      ...retry(5, 1_000),
      ...KEEP_DAY_FAILED_WEEK,
    },
  },
  [JobName.AlertsPublishDisplay]: {
    queue: QueueName.Alerts,
    timeoutMs: 60_000,
    options: {
      ...retry(10, 2_000),
      removeOnComplete: keep(100, HOUR),
      removeOnFail: keep(1_000, 7 * DAY),
    },
  },
  [JobName.ScheduleTick]: {
    queue: QueueName.Schedules,
    timeoutMs: 60_000,
    // A tick only records its run and creates the run's job (one transaction, unique per tick), so a
    // retry after a crash either finds the run recorded or makes it.
    options: {
      ...retry(5, 2_000),
      ...KEEP_DAY_FAILED_WEEK,
    },
  },
  [JobName.SchedulesReconcile]: {
    queue: QueueName.Schedules,
    timeoutMs: 5 * 60_000,
    // Runs every minute and on every change: a failed run is mostly the next one's work.
    options: {
      ...retry(2, 5_000, 'fixed'),
      removeOnComplete: keep(10),
      removeOnFail: keep(100, 7 * DAY),
    },
  },
  [JobName.ScheduleTelemetryExport]: {
    queue: QueueName.Schedules,
    // a window of readings streamed page by page into storage
    timeoutMs: 60 * 60_000,
    options: {
      // Each attempt writes the whole CSV again under the same key: nothing is kept twice.
      ...retry(3, 10_000),
      ...KEEP_DAY_FAILED_WEEK,
    },
  },
  [JobName.ScheduleExportsPurge]: {
    queue: QueueName.Schedules,
    timeoutMs: 10 * 60_000,
    options: {
      ...retry(2, 30_000, 'fixed'),
      removeOnComplete: keep(10),
      removeOnFail: keep(100, 7 * DAY),
    },
  },
  [JobName.TransferExport]: {
    queue: QueueName.Transfer,
    // a workspace with millions of records streams out at tens of MB/s: well under this
    timeoutMs: 2 * 3600_000,
    options: {
      // An attempt writes the whole document again under the same object name (the job's id).
      ...retry(3, 10_000),
      ...KEEP_DAY_FAILED_WEEK,
    },
  },
  [JobName.TransferImport]: {
    queue: QueueName.Transfer,
    timeoutMs: 4 * 3600_000,
    options: {
      // An attempt validates and writes again from the start; the import ledger and the natural keys
      // (records by data source and position, results, readings) make it add nothing twice.
      ...retry(3, 10_000),
      ...KEEP_DAY_FAILED_WEEK,
    },
  },
  [JobName.ExperimentRun]: {
    queue: QueueName.Experiments,
    // a protocol's waits and timeouts add up to at most 6 days (PROTOCOL_LIMITS)
    timeoutMs: 7 * 86_400_000,
    options: {
      // A run that died or failed resumes at the step in progress (its row says where, its commands
      // are found again by idempotency key), so retrying never repeats a finished step.
      ...retry(5, 2_000),
      ...KEEP_DAY_FAILED_WEEK,
    },
  },
  [JobName.AlertRulesSweep]: {
    queue: QueueName.AlertRules,
    timeoutMs: 60_000,
    // Scheduled every few seconds: a failed run is simply followed by the next one.
    options: { ...SWEEP },
  },
  [JobName.AlertRulesCheckInstrument]: {
    queue: QueueName.AlertRules,
    timeoutMs: 30_000,
    // Idempotent (state transitions are conditional); the sweep covers one that never ran.
    options: {
      ...retry(3, 1_000),
      removeOnComplete: keep(1_000, HOUR),
      removeOnFail: keep(1_000, 7 * DAY),
    },
  },
  [JobName.AlertRulesPerform]: {
    queue: QueueName.AlertRules,
    timeoutMs: 60_000,
    // The outbox is the record: a retry performs only what is still owed; the sweep covers the rest.
    options: {
      ...retry(3, 1_000),
      removeOnComplete: keep(1_000, HOUR),
      removeOnFail: keep(1_000, 7 * DAY),
    },
  },
};

/** The job names each queue carries. */
export const QUEUE_JOBS: { readonly [Q in QueueName]: readonly JobName[] } = Object.fromEntries(
  Object.values(QueueName).map((queue) => [
    queue,
    (Object.keys(JOB_DEFINITIONS) as JobName[]).filter((name) => JOB_DEFINITIONS[name].queue === queue),
  ]),
) as { [Q in QueueName]: JobName[] };

/** How many jobs of a queue one worker process runs at once, unless WORKER_CONCURRENCY says otherwise. */
export const DEFAULT_CONCURRENCY: { readonly [Q in QueueName]: number } = {
  [QueueName.Maintenance]: 1,
  [QueueName.Telemetry]: 4,
  [QueueName.Instruments]: 4,
  [QueueName.Ingestion]: 2,
  [QueueName.Classification]: 2,
  [QueueName.Notifications]: 4,
  [QueueName.Mail]: 4,
  [QueueName.Alerts]: 4,
  [QueueName.Schedules]: 2,
  [QueueName.Transfer]: 1,
  [QueueName.Experiments]: 200,
  [QueueName.AlertRules]: 2,
};

/**
 * How a worker notices jobs whose process died (kill -9, OOM): BullMQ moves a job back to waiting
 * once its lock has expired, checked every `stalledInterval`. Telemetry batches take milliseconds
 * and are idempotent, so they are recovered quickly and may stall many times without being failed
 * (a failed batch would be acknowledged data that is never stored).
 */
export const TELEMETRY_WORKER_OPTIONS = { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 100 } as const;

/**
 * Ingestion jobs run for minutes and resume where they stopped, so a dead worker's job is taken up
 * again within seconds (lock renewed every 5 s while alive; the work yields to the event loop between
 * batches and parses PDFs in a worker thread). A job whose workers keep dying is failed after 5 stalls.
 */
export const INGESTION_WORKER_OPTIONS = { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 5 } as const;

/**
 * Classification jobs run for minutes and resume after their last committed page, so a dead
 * worker's job is taken up again within seconds (lock renewed every 5 s; the work yields to the event
 * loop between pages). A job whose workers keep dying is failed after 5 stalls.
 */
export const CLASSIFICATION_WORKER_OPTIONS = {
  lockDuration: 10_000,
  stalledInterval: 5_000,
  maxStalledCount: 5,
} as const;

/**
 * Exports and imports run for minutes and start over (adding nothing twice) when their worker died, so
 * a dead worker's job is taken up again within seconds. A job whose workers keep dying is failed after 5.
 */
export const TRANSFER_WORKER_OPTIONS = { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 5 } as const;

/**
 * Experiment runs last minutes to days and resume at the step in progress, so a dead worker's run is
 * taken up again within seconds (lock renewed every 5 s). A run whose workers keep dying fails after 5 stalls.
 */
export const EXPERIMENTS_WORKER_OPTIONS = { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 5 } as const;
