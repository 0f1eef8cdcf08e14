import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Workspace } from '../workspaces/workspace.entity';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** States a job does not leave on its own (retry takes failed and cancelled ones back to queued). */
export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

/** One problem with one row of a job's input: `row` is a CSV line number or a JSON array index. */
export interface JobRowError {
  row: number;
  field?: string;
  message: string;
}

/** What a job has counted so far; every kind fills in what applies to it. */
export interface JobCounts {
  total?: number;
  processed?: number;
  succeeded?: number;
  failed?: number;
  [count: string]: number | undefined;
}

/**
 * A piece of user-visible background work (a telemetry backfill; later ingestion and classification)
 * as the Jobs API shows it. The BullMQ job that runs it carries only this row's id (same id), so the
 * row, not Redis, is the record: it outlives BullMQ's retention and can be retried.
 */
@Entity('jobs')
@Index('IDX_jobs_workspace_created', ['workspaceId', 'createdAt'])
@Index('IDX_jobs_workspace_schedule', ['workspaceId', 'scheduleId', 'createdAt'])
@Check('CHK_jobs_status', `status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')`)
@Check('CHK_jobs_progress', `progress >= 0 AND progress <= 1`)
export class Job {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  @ForeignKey(() => Workspace, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  workspaceId!: string;

  /** What the job does: the JobName of the BullMQ job that runs it, e.g. `telemetry.backfill`. */
  @Column('text')
  kind!: string;

  @Column('text', { default: 'queued' })
  status!: JobStatus;

  /** 0..1 */
  @Column('double precision', { default: 0 })
  progress!: number;

  @Column('jsonb', { default: () => "'{}'" })
  counts!: JobCounts;

  /** The first problems with rows of the input (bounded); `errorCount` counts them all. */
  @Column('jsonb', { default: () => "'[]'" })
  errors!: JobRowError[];

  @Column('integer', { default: 0 })
  errorCount!: number;

  /** Why the job failed (or why its last attempt did, while it waits for the next). */
  @Column('text', { nullable: true })
  error!: string | null;

  /** Runs started, retries included. */
  @Column('integer', { default: 0 })
  attempts!: number;

  /** A summary of what the job was asked to do (never the bulk input itself). */
  @Column('jsonb', { default: () => "'{}'" })
  input!: Record<string, unknown>;

  @Column('jsonb', { nullable: true })
  result!: Record<string, unknown> | null;

  /** Set by a cancel of a running job; the work stops at its next check between chunks. */
  @Column('boolean', { default: false })
  cancelRequested!: boolean;

  /** The user who started it; kept (not a foreign key) so the record survives the user. */
  @Column('uuid', { nullable: true })
  createdBy!: string | null;

  /** The schedule whose run this job is; kept (not a foreign key) so run history outlives the schedule. */
  @Column('uuid', { nullable: true })
  scheduleId!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { nullable: true })
  startedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  finishedAt!: Date | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
