import { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { csvRow, DomainError } from '@labwire/core';
import { OBJECT_STORAGE, ObjectStorage, StorageObjectNotFoundError } from '@labwire/providers';
import { JobName, ScheduleExportsPurgeResult } from '@labwire/queue';
import { JobContext, JobWork } from '../jobs/job-runner';
import { JobsService } from '../jobs/jobs.service';
import { JobNotFoundError } from '../jobs/jobs.errors';
import { RawPoint, TelemetryQueryService } from '../telemetry/telemetry-query.service';
import { ScheduleRunRepository } from './schedule-run.repository';
import { ScheduleExportNotFoundError } from './schedules.errors';

/** How long a telemetry export stays downloadable; the purge deletes it after that. */
export const EXPORT_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;
const PURGE_BATCH = 500;
export const TELEMETRY_EXPORT_CSV_HEADER = 'time,instrument_id,metric,value,tags\n';

/** What a telemetry-export run reads: the window is fixed when the run is created. */
export interface TelemetryExportPayload {
  instrumentIds: string[];
  metrics?: string[];
  /** ISO-8601 */
  from: string;
  to: string;
}

export interface TelemetryExportResult extends Record<string, unknown> {
  rows: number;
  /** ISO-8601: when the CSV is deleted */
  expiresAt: string;
}

class ExportRejectedError extends DomainError {
  constructor(message: string) {
    super('VALIDATION_FAILED', message);
  }
}

/** Metric names and tags are the instrument's text: csvRow neutralises formula-like cells. */
function csvLines(points: RawPoint[]): string {
  let out = '';
  for (const p of points) {
    out += csvRow(
      [p.time.toISOString(), p.instrumentId, p.metric, p.value, p.tags ? JSON.stringify(p.tags) : null],
      '\n',
    );
  }
  return out;
}

/**
 * Telemetry exports of `telemetry-export` schedules: the job streams the readings of its window, page
 * by page, as CSV into the storage provider under the job's id (flat memory; a retry writes the
 * same object again); the CSV is downloadable for EXPORT_RETENTION_DAYS, then purged.
 */
@Injectable()
export class TelemetryExportService {
  private readonly logger = new Logger('Schedules');

  constructor(
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    private readonly jobs: JobsService,
    private readonly telemetry: TelemetryQueryService,
    private readonly runs: ScheduleRunRepository,
  ) {}

  async run(context: JobContext): Promise<JobWork<TelemetryExportResult>> {
    const { workspaceId, jobId } = context.ref;
    const payload = await this.jobs.payloadOf<TelemetryExportPayload>(context.ref);
    if (!payload) throw new ExportRejectedError(`telemetry export ${jobId} has no payload`);
    const from = new Date(payload.from);
    const to = new Date(payload.to);
    const span = Math.max(1, to.getTime() - from.getTime());
    let rows = 0;
    const pages = this.telemetry.export(workspaceId, payload.instrumentIds, { from, to, metrics: payload.metrics });
    // the first page is read before storing: an instrument deleted since fails the run without a file
    const first = await pages.next();
    async function* body(): AsyncGenerator<string> {
      yield TELEMETRY_EXPORT_CSV_HEADER;
      if (first.done) return;
      let page: RawPoint[] | undefined = first.value;
      while (page) {
        await context.checkpoint();
        rows += page.length;
        yield csvLines(page);
        const last = page[page.length - 1].time.getTime();
        await context.progress((last - from.getTime()) / span, { processed: rows, succeeded: rows });
        const next = await pages.next();
        page = next.done ? undefined : next.value;
      }
    }
    await this.storage.put({ workspaceId, id: jobId }, Readable.from(body()), 'text/csv; charset=utf-8');
    const expiresAt = new Date(Date.now() + EXPORT_RETENTION_DAYS * DAY_MS).toISOString();
    return {
      counts: { processed: rows, succeeded: rows },
      result: { rows, expiresAt },
    };
  }

  /** The stored CSV of a succeeded export of the schedule, while it is kept. */
  async download(workspaceId: string, scheduleId: string, jobId: string): Promise<Readable> {
    const job = await this.jobs.get(workspaceId, jobId).catch((err: unknown) => {
      if (err instanceof JobNotFoundError) throw new ScheduleExportNotFoundError(jobId);
      throw err;
    });
    const kept = job.finishedAt && job.finishedAt.getTime() > Date.now() - EXPORT_RETENTION_DAYS * DAY_MS;
    if (
      job.kind !== JobName.ScheduleTelemetryExport ||
      job.scheduleId !== scheduleId ||
      job.status !== 'succeeded' ||
      !kept ||
      job.result?.purged
    ) {
      throw new ScheduleExportNotFoundError(jobId);
    }
    try {
      return await this.storage.get({ workspaceId, id: jobId });
    } catch (err) {
      if (err instanceof StorageObjectNotFoundError) throw new ScheduleExportNotFoundError(jobId);
      throw err;
    }
  }

  /** Deletes the exports past their days (the worker, hourly); the job rows stay, marked purged. */
  async purgeExpired(now = new Date()): Promise<ScheduleExportsPurgeResult> {
    const before = new Date(now.getTime() - EXPORT_RETENTION_DAYS * DAY_MS);
    let purged = 0;
    for (;;) {
      const batch = await this.runs.expiredExports(JobName.ScheduleTelemetryExport, before, PURGE_BATCH);
      for (const job of batch) {
        await this.storage.delete({ workspaceId: job.workspaceId, id: job.id });
        await this.runs.markExportPurged(job.workspaceId, job.id);
        purged++;
      }
      if (batch.length < PURGE_BATCH) break;
    }
    if (purged) this.logger.log(`${purged} telemetry export(s) past ${EXPORT_RETENTION_DAYS} days deleted`);
    return { purged };
  }
}
