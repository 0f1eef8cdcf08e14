import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig, ValidationError } from '@labwire/core';
import { JobName } from '@labwire/queue';
import { Actor } from '../audit/actor';
import { InstrumentNotFoundError } from '../instruments/instruments.errors';
import { Job, JobCounts, JobRowError } from '../jobs/job.entity';
import { JobContext, JobWork } from '../jobs/job-runner';
import { JobsService, MAX_JOB_ERRORS } from '../jobs/jobs.service';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import {
  BackfillFormat,
  BackfillReading,
  BackfillUpload,
  parseBackfillCsv,
  parseBackfillJson,
} from './telemetry-backfill.parser';
import { TelemetryReading } from './telemetry-reading';
import { TelemetryRepository } from './telemetry.repository';
import { TELEMETRY_MAX_AHEAD_MS, TelemetryWriter } from './telemetry-writer';

const DAY_MS = 86_400_000;
/** Readings per write: one statement (and transaction) each, a cancel check and a progress report between. */
export const BACKFILL_CHUNK = 5000;
/** Metric names listed in a report or a job's input summary. */
const LISTED_METRICS = 100;

/** What a dry run answers, and what a backfill job's input summary says. */
export interface BackfillReport {
  instrumentId: string;
  format: BackfillFormat;
  /** readings in the upload */
  total: number;
  valid: number;
  invalid: number;
  /** the first MAX_JOB_ERRORS problems, in row order */
  errors: JobRowError[];
  errorCount: number;
  /** distinct metrics of the valid readings (the first 100) */
  metrics: string[];
  /** time range of the valid readings */
  from: string | null;
  to: string | null;
}

export interface BackfillResult extends Record<string, unknown> {
  inserted: number;
  duplicates: number;
  /** valid at upload, outside the storable window by the time they were written */
  rejected: number;
}

/**
 * The valid readings of a backfill, column by column, in `job_payloads` (at most
 * TELEMETRY_BACKFILL_MAX_POINTS of them): PostgreSQL rather than the BullMQ job in Redis, so a failed
 * or cancelled backfill can be retried whenever, and Redis never holds megabytes per upload.
 */
interface BackfillPayload {
  instrumentId: string;
  format: BackfillFormat;
  total: number;
  rows: number[];
  times: number[];
  metrics: string[];
  values: number[];
  tags: Array<Record<string, unknown> | null>;
  /** the upload's own problems, kept to report them again with the run's */
  errors: JobRowError[];
  errorCount: number;
}

interface Checked {
  report: BackfillReport;
  readings: BackfillReading[];
  allErrors: JobRowError[];
}

/** Where a problem with a reading's time is reported: the JSON field or the CSV column. */
const TIME_FIELD: Record<BackfillFormat, string> = { json: 'ts', csv: 'time' };

/**
 * Historical telemetry over REST: an upload (JSON in the MQTT format, or CSV) is checked row by row,
 * then either reported (dry run) or stored by a `telemetry.backfill` job in chunks, through the same
 * writer as live telemetry (idempotent on instrument, metric and time: running it again adds nothing).
 */
@Injectable()
export class TelemetryBackfillService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly telemetry: TelemetryRepository,
    private readonly writer: TelemetryWriter,
    private readonly jobs: JobsService,
  ) {}

  /** Validates the upload and reports what a backfill would store; writes nothing. */
  async dryRun(membership: WorkspaceMembership, instrumentId: string, upload: BackfillUpload): Promise<BackfillReport> {
    return (await this.check(membership, instrumentId, upload)).report;
  }

  /** Validates the upload and starts a job storing its valid readings; refused when none is valid. */
  async submit(
    membership: WorkspaceMembership,
    instrumentId: string,
    upload: BackfillUpload,
    actor: Actor,
  ): Promise<Job> {
    const { report, readings, allErrors } = await this.check(membership, instrumentId, upload);
    if (!readings.length) {
      throw new ValidationError(
        `None of the ${report.total} readings can be stored (${report.errorCount} problems); nothing was started`,
        allErrors
          .slice(0, 100)
          .map((e) => ({ field: `row ${e.row}${e.field ? ` ${e.field}` : ''}`, message: e.message })),
      );
    }
    const { errors, ...summary } = report;
    const payload: BackfillPayload = {
      instrumentId,
      format: upload.format,
      total: report.total,
      rows: readings.map((r) => r.row),
      times: readings.map((r) => r.time),
      metrics: readings.map((r) => r.metric),
      values: readings.map((r) => r.value),
      tags: readings.map((r) => r.tags),
      errors,
      errorCount: report.errorCount,
    };
    return this.jobs.create(membership.workspaceId, actor, {
      kind: JobName.TelemetryBackfill,
      input: summary,
      counts: this.counts(report.total, report.invalid, report.invalid, 0, 0),
      errors,
      errorCount: report.errorCount,
      payload,
    });
  }

  /** The job's work: the valid readings written chunk by chunk, progress and cancellation in between. */
  async run(context: JobContext): Promise<JobWork<BackfillResult>> {
    const payload = await this.jobs.payloadOf<BackfillPayload>(context.ref);
    if (!payload) throw new Error(`backfill job ${context.ref.jobId} has no payload`);
    const storable = await this.storableCheck(context.ref.workspaceId, payload.instrumentId);
    const timeField = TIME_FIELD[payload.format];
    const invalid = payload.total - payload.rows.length;
    const runErrors: JobRowError[] = [];
    let inserted = 0;
    let duplicates = 0;
    let rejected = 0;
    let processed = invalid;
    const counts = () => this.counts(payload.total, invalid + rejected, processed, inserted, duplicates);
    for (let start = 0; start < payload.rows.length; start += BACKFILL_CHUNK) {
      await context.checkpoint();
      const chunk: TelemetryReading[] = [];
      const end = Math.min(start + BACKFILL_CHUNK, payload.rows.length);
      for (let i = start; i < end; i++) {
        const time = new Date(payload.times[i]);
        // the window moves on (and retention may have been shortened) between upload and run
        const problem = storable(time);
        if (problem) {
          rejected++;
          runErrors.push({ row: payload.rows[i], field: timeField, message: problem });
          continue;
        }
        chunk.push({
          time,
          instrumentId: payload.instrumentId,
          metric: payload.metrics[i],
          value: payload.values[i],
          tags: payload.tags[i],
        });
      }
      if (chunk.length) {
        const stored = await this.writer.store(chunk);
        inserted += stored.inserted;
        duplicates += stored.duplicates;
        rejected += stored.rejected ?? 0;
      }
      processed += end - start;
      await context.progress(processed / payload.total, counts());
    }
    const errors = [...payload.errors, ...runErrors].sort((a, b) => a.row - b.row).slice(0, MAX_JOB_ERRORS);
    return {
      counts: counts(),
      errors,
      errorCount: payload.errorCount + runErrors.length,
      result: { inserted, duplicates, rejected },
    };
  }

  /**
   * `processed`: readings dealt with (the invalid ones at upload); `failed`: invalid ones and those
   * refused when written; `succeeded`: those now stored, `inserted` now or already (`duplicates`).
   */
  private counts(total: number, failed: number, processed: number, inserted: number, duplicates: number): JobCounts {
    return { total, processed, succeeded: inserted + duplicates, failed, inserted, duplicates };
  }

  private async check(membership: WorkspaceMembership, instrumentId: string, upload: BackfillUpload): Promise<Checked> {
    assertWorkspaceRole(membership, 'editor');
    const storable = await this.storableCheck(membership.workspaceId, instrumentId);
    const maxPoints = this.config.telemetry.backfillMaxPoints;
    const parsed =
      upload.format === 'json'
        ? parseBackfillJson(upload.body, new Date(), maxPoints)
        : await parseBackfillCsv(upload.text, maxPoints);
    const errors = [...parsed.errors];
    const readings: BackfillReading[] = [];
    const seen = new Map<string, number>();
    const timeField = TIME_FIELD[upload.format];
    for (const r of parsed.readings) {
      const problem = storable(new Date(r.time));
      if (problem) {
        errors.push({ row: r.row, field: timeField, message: problem });
        continue;
      }
      // the same metric at the same time twice: the first one is kept, as storing would
      const key = `${r.time}\u0000${r.metric}`;
      const first = seen.get(key);
      if (first !== undefined) {
        const field = upload.format === 'json' ? `values.${r.metric}` : 'time';
        errors.push({ row: r.row, field, message: `same metric and time as row ${first}` });
        continue;
      }
      seen.set(key, r.row);
      readings.push(r);
    }
    errors.sort((a, b) => a.row - b.row);
    const metrics = [...new Set(readings.map((r) => r.metric))];
    let from = Infinity;
    let to = -Infinity;
    for (const r of readings) {
      if (r.time < from) from = r.time;
      if (r.time > to) to = r.time;
    }
    const report: BackfillReport = {
      instrumentId,
      format: upload.format,
      total: parsed.points,
      valid: readings.length,
      invalid: parsed.points - readings.length,
      errors: errors.slice(0, MAX_JOB_ERRORS),
      errorCount: errors.length,
      metrics: metrics.slice(0, LISTED_METRICS),
      from: readings.length ? new Date(from).toISOString() : null,
      to: readings.length ? new Date(to).toISOString() : null,
    };
    return { report, readings, allErrors: errors };
  }

  /**
   * What TelemetryWriter.storable accepts, narrowed to the instrument's own workspace retention
   * (older readings would be deleted by the next retention run): a check answering the problem, or
   * undefined when a time can be stored. 404 when the instrument is not in the workspace.
   */
  private async storableCheck(workspaceId: string, instrumentId: string): Promise<(time: Date) => string | undefined> {
    const days = await this.telemetry.instrumentRetentionDays(workspaceId, instrumentId);
    if (days === null) throw new InstrumentNotFoundError(instrumentId);
    await this.writer.refreshRetention();
    const oldest = Date.now() - days * DAY_MS;
    const message =
      `outside the storable time window: at most ${TELEMETRY_MAX_AHEAD_MS / 60_000} minutes ahead of the ` +
      `server's clock, and within the workspace's telemetry retention of ${days} days`;
    return (time) => (this.writer.storable(time) && time.getTime() >= oldest ? undefined : message);
  }
}
