import { ApiProperty } from '@nestjs/swagger';
import { Job, JOB_STATUSES, JobCounts, jobSnapshot, JobStatus, JobSummary } from '@labwire/domain';
import { TRACKED_JOB_NAMES } from '@labwire/queue';

export class JobRowErrorDto {
  @ApiProperty({ description: 'CSV line number (the header is line 1) or JSON array index', example: 7 })
  row!: number;

  @ApiProperty({ required: false, description: 'The field or column at fault', example: 'time' })
  field?: string;

  @ApiProperty({ example: 'not a time: expected epoch milliseconds or ISO-8601 with a zone (Z or ±hh:mm)' })
  message!: string;
}

export class JobLinksDto {
  @ApiProperty({ example: '/api/v1/workspaces/6b1f…/jobs/0c6f…' })
  self!: string;

  @ApiProperty({ description: 'Server-Sent Events of this job', example: '/api/v1/workspaces/6b1f…/jobs/0c6f…/events' })
  events!: string;
}

/** A job as lists show it: everything but the row errors. */
export class JobSummaryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: TRACKED_JOB_NAMES, enumName: 'JobKind', example: 'telemetry.backfill' })
  kind!: string;

  @ApiProperty({ enum: JOB_STATUSES, enumName: 'JobStatus' })
  status!: JobStatus;

  @ApiProperty({ minimum: 0, maximum: 1, example: 0.4 })
  progress!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { total: 1000, processed: 400, succeeded: 390, failed: 10 },
    description:
      'What the job counted: total, processed, succeeded, failed, and per kind (backfill: inserted, duplicates)',
  })
  counts!: JobCounts;

  @ApiProperty({ description: 'Problems with rows of the input, all of them (GET lists the first 1000)' })
  errorCount!: number;

  @ApiProperty({ type: String, nullable: true, description: 'Why the job failed (or its last attempt did)' })
  error!: string | null;

  @ApiProperty({ description: 'Runs started, retries included' })
  attempts!: number;

  @ApiProperty({ description: 'A cancel was requested; a running job stops at its next check' })
  cancelRequested!: boolean;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What the job was asked to do (a summary)' })
  input!: Record<string, unknown>;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'What it produced, once finished',
  })
  result!: Record<string, unknown> | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  createdBy!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The schedule this job is a run of' })
  scheduleId!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  startedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finishedAt!: string | null;

  @ApiProperty({ type: JobLinksDto })
  links!: JobLinksDto;

  static from(job: JobSummary): JobSummaryDto {
    const self = jobPath(job.workspaceId, job.id);
    return {
      ...jobSnapshot(job),
      input: job.input,
      createdBy: job.createdBy,
      scheduleId: job.scheduleId ?? null,
      links: { self, events: `${self}/events` },
    };
  }
}

/** A job with its row errors (the first 1000). */
export class JobDto extends JobSummaryDto {
  @ApiProperty({ type: [JobRowErrorDto] })
  errors!: JobRowErrorDto[];

  static override from(job: Job): JobDto {
    return { ...JobSummaryDto.from(job), errors: job.errors };
  }
}

/** Where a job is read: also its Location when it is created. */
export function jobPath(workspaceId: string, jobId: string): string {
  return `/api/v1/workspaces/${workspaceId}/jobs/${jobId}`;
}
