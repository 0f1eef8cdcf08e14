export const SCHEDULE_KINDS = ['ingestion', 'classification', 'telemetry-export'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

/** `new-datasource`: each run makes a data source; `append`: runs add only new content to one. */
export const INGESTION_MODES = ['new-datasource', 'append'] as const;
export type IngestionMode = (typeof INGESTION_MODES)[number];

/** `new`: the records stored since the last successful run (all, the first time); `all`: every one. */
export const CLASSIFICATION_SCOPES = ['new', 'all'] as const;
export type ClassificationScope = (typeof CLASSIFICATION_SCOPES)[number];

/** What an ingestion schedule reads: a URL list it holds, or a data source of the workspace. */
export interface IngestionScheduleConfig {
  urls?: string[];
  datasourceId?: string;
  mode: IngestionMode;
  /** name of the data sources it makes (the run time is appended in `new-datasource` mode) */
  datasourceName?: string;
}

export interface ClassificationScheduleConfig {
  schemeId: string;
  /** one data source, or every record of the workspace */
  datasourceId?: string;
  scope: ClassificationScope;
}

/** `telemetry-export`: a CSV of the readings of the `windowMs` before each run, kept 30 days. */
export interface TelemetryExportScheduleConfig {
  instrumentIds: string[];
  windowMs: number;
  /** only these metrics (default: all) */
  metrics?: string[];
}

export type ScheduleConfig = IngestionScheduleConfig | ClassificationScheduleConfig | TelemetryExportScheduleConfig;

/** When a schedule fires: a cron expression read in a time zone, or a fixed interval. */
export type ScheduleTiming = { cron: string; timezone: string } | { intervalMs: number };

/** `active` fires; `paused` was paused by a user; `suspended` stopped (its creator can no longer run it). */
export type ScheduleStatus = 'active' | 'paused' | 'suspended' | 'ended';

/** What a schedule's runs keep between runs. */
export interface ScheduleState {
  /** `append` mode: the data source the runs add to */
  targetDatasourceId?: string;
}

/** A recurring piece of work of a workspace; its runs are Jobs-API jobs carrying its id. */
export interface Schedule {
  id: string;
  workspaceId: string;
  name: string;
  kind: ScheduleKind;
  config: ScheduleConfig;
  cron: string | null;
  timezone: string | null;
  intervalMs: number | null;
  startAt: Date | null;
  endAt: Date | null;
  /** where an interval's ticks are counted from (the start, or when the timing was last set) */
  anchorAt: Date;
  enabled: boolean;
  suspendedReason: string | null;
  suspendedAt: Date | null;
  /** bumped when the timing changes: names the BullMQ job scheduler, so a stale one is recognised */
  revision: number;
  state: ScheduleState;
  /** the user the runs act as */
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export const SCHEDULE_RUN_TRIGGERS = ['schedule', 'catch-up', 'manual'] as const;
export type ScheduleRunTrigger = (typeof SCHEDULE_RUN_TRIGGERS)[number];
export const SCHEDULE_RUN_STATUSES = ['started', 'skipped'] as const;
export type ScheduleRunStatus = (typeof SCHEDULE_RUN_STATUSES)[number];

/** One tick of a schedule (or a run-now): the job it started, or why it was skipped. */
export interface ScheduleRun {
  id: string;
  scheduleId: string;
  workspaceId: string;
  trigger: ScheduleRunTrigger;
  tickAt: Date;
  status: ScheduleRunStatus;
  reason: string | null;
  jobId: string | null;
  /** the job's status, when it has one */
  jobStatus: string | null;
  createdAt: Date;
}

export function scheduleStatus(schedule: Schedule, now = new Date()): ScheduleStatus {
  if (schedule.suspendedReason) return 'suspended';
  if (!schedule.enabled) return 'paused';
  if (schedule.endAt && schedule.endAt <= now) return 'ended';
  return 'active';
}

export function scheduleTiming(schedule: Pick<Schedule, 'cron' | 'timezone' | 'intervalMs'>): ScheduleTiming {
  return schedule.cron !== null
    ? { cron: schedule.cron, timezone: schedule.timezone ?? 'UTC' }
    : { intervalMs: Number(schedule.intervalMs) };
}
