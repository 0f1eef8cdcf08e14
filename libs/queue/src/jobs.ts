import { JobName } from './job-name';
import { QueueName } from './queue-name';

/** Payload of JobName.MaintenancePurge: nothing to say; the worker's config decides the cut-offs. */
export type MaintenancePurgeData = Record<string, never>;

export interface MaintenancePurgeResult {
  /** session rows deleted (ended or revoked) plus expired refresh-token rows */
  sessionRows: number;
  auditEntries: number;
  /** ISO-8601: audit entries created before this were deleted */
  auditBefore: string;
  /** ISO-8601: sessions that ended before this were deleted */
  sessionsBefore: string;
}

export type TelemetryRetentionData = Record<string, never>;

export interface TelemetryRetentionResult {
  partitionsCreated: number;
  partitionsDropped: string[];
  rowsDeleted: number;
  keptDays: number;
}

/**
 * The api↔worker contract: one `{name, data}` member per job. Producer and processor are both typed
 * from this union, so a payload change that one side misses does not compile.
 */
export type JobItem =
  | { name: JobName.MaintenancePurge; data: MaintenancePurgeData }
  | { name: JobName.TelemetryRetention; data: TelemetryRetentionData };

/** The queue each job runs on, at the type level (JOB_DEFINITIONS holds the same at runtime). */
export interface JobQueues {
  [JobName.MaintenancePurge]: QueueName.Maintenance;
  [JobName.TelemetryRetention]: QueueName.Maintenance;
}

/** What each job's handler returns (stored by BullMQ as the job's return value). */
export interface JobResults {
  [JobName.MaintenancePurge]: MaintenancePurgeResult;
  [JobName.TelemetryRetention]: TelemetryRetentionResult;
}

export type JobOf<N extends JobName> = Extract<JobItem, { name: N }>;
export type JobDataOf<N extends JobName> = JobOf<N>['data'];
export type JobResultOf<N extends JobName> = JobResults[N];
export type JobNamesOf<Q extends QueueName> = { [N in JobName]: JobQueues[N] extends Q ? N : never }[JobName];

// Every JobName must be in the union and in JobResults; these lines stop compiling when one is missing.
type MissingFromUnion = Exclude<JobName, JobItem['name']>;
type MissingResult = Exclude<JobName, keyof JobResults>;
type MissingQueue = Exclude<JobName, keyof JobQueues>;
export const JOB_CONTRACT_COMPLETE: [MissingFromUnion | MissingResult | MissingQueue] extends [never] ? true : never =
  true;
