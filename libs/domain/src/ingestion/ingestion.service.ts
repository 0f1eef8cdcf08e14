import { hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig, findUnstorableJson } from '@labwire/core';
import {
  CsvColumnMissingError,
  MalformedSourceError,
  OBJECT_STORAGE,
  ObjectStorage,
  ParsedUnit,
  readCsvRecords,
  readJsonRecords,
  readNdjsonRecords,
  readPdfRecords,
  readTextRecords,
  readUrlListRecords,
  StorageObjectNotFoundError,
  URL_FETCHER,
  UrlFetcher,
} from '@labwire/providers';
import { JobCounts, JobRowError } from '../jobs/job.entity';
import { JobContext, JobWork } from '../jobs/job-runner';
import { JobsService, MAX_JOB_ERRORS } from '../jobs/jobs.service';
import { Datasource } from './datasource';
import { DatasourceRepository } from './datasource.repository';
import { DatasourceNotFoundError, IngestionRejectedError } from './ingestion.errors';
import { RecordRepository, RecordRow } from './record.repository';

/** URLs of a list fetched at once. */
const URL_CONCURRENCY = 4;

export interface IngestionPayload {
  datasourceId: string;
  /**
   * Read the whole source again (every URL fetched again) and append only the records whose content
   * hash the data source does not hold yet: a schedule's runs into one data source.
   */
  append?: boolean;
}

export interface IngestionResult extends Record<string, unknown> {
  /** records of the data source once the run ended */
  records: number;
  /** records this run wrote */
  inserted: number;
  /** records already stored by an earlier, interrupted run */
  existing: number;
  failed: number;
}

/** NUL cannot be stored in PostgreSQL text or jsonb; it carries nothing in a record. */
function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
}

/** The value with NUL removed from every string and key (its depth was checked: recursion is safe). */
function withoutNulDeep(value: unknown): unknown {
  if (typeof value === 'string') return withoutNul(value);
  if (Array.isArray(value)) return value.map(withoutNulDeep);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k), withoutNulDeep(v)]));
}

/**
 * The metadata as JSON text, or the reason it cannot be stored: nesting too deep for jsonb (and for
 * JSON.stringify) is a problem of its row; NUL, which jsonb cannot hold either, is dropped.
 */
function metadataJson(metadata: Record<string, unknown>): { json: string } | { problem: string } {
  const unstorable = findUnstorableJson(metadata);
  if (!unstorable) return { json: JSON.stringify(metadata) };
  if (unstorable.problem.includes('NUL')) return { json: JSON.stringify(withoutNulDeep(metadata)) };
  return { problem: `${unstorable.path} ${unstorable.problem}` };
}

/**
 * The `ingestion.run` job: streams a data source from storage through its parser and writes its
 * records in batches of INGEST_BATCH_SIZE (one statement each; the next batch is parsed while the
 * previous one is written). Progress (bytes read, or URLs done) and counts go to the job; bad rows
 * are kept as row errors (the first 1000) and fail the run only when their share passes
 * INGEST_MAX_ERROR_RATIO. Cancellation is checked between batches (PDFs: between pages).
 *
 * Safe to run again: records are unique on (data source, position), and a run resumes after the last
 * position already stored (batches commit in order), re-reading the source but writing only what is
 * missing; URL lists fetch only the URLs without a record.
 */
@Injectable()
export class IngestionService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    @Inject(URL_FETCHER) private readonly fetcher: UrlFetcher,
    private readonly datasources: DatasourceRepository,
    private readonly records: RecordRepository,
    private readonly jobs: JobsService,
  ) {}

  async run(context: JobContext, signal?: AbortSignal): Promise<JobWork<IngestionResult>> {
    const { workspaceId } = context.ref;
    const payload = await this.jobs.payloadOf<IngestionPayload>(context.ref);
    if (!payload) throw new IngestionRejectedError(`ingestion job ${context.ref.jobId} has no payload`);
    const datasource = await this.datasources.findInWorkspace(workspaceId, payload.datasourceId);
    if (!datasource) throw new DatasourceNotFoundError(payload.datasourceId);

    const append = payload.append === true;
    const resumeAfter =
      datasource.type === 'urls' || append ? null : await this.records.lastPosition(workspaceId, datasource.id);
    let source: Readable;
    try {
      source = await this.storage.get({ workspaceId, id: datasource.id });
    } catch (err) {
      if (err instanceof StorageObjectNotFoundError) {
        throw new IngestionRejectedError(`the stored file of data source ${datasource.id} is missing`);
      }
      throw err;
    }
    let bytesRead = 0;
    const counted = Readable.from(
      (async function* () {
        for await (const chunk of source as AsyncIterable<Buffer>) {
          bytesRead += chunk.length;
          yield chunk;
        }
      })(),
    );

    const errors: JobRowError[] = [];
    let errorCount = 0;
    let processed = 0;
    let inserted = 0;
    let existing = 0;
    const counts = (): JobCounts => ({
      ...(datasource.type === 'urls' && { total: datasource.options.urlCount }),
      processed,
      succeeded: inserted + existing,
      failed: errorCount,
      inserted,
      existing,
    });
    // a PDF is read into memory before its first page: its progress is in pages
    let pdfPages: number | undefined;
    const progress = () =>
      datasource.type === 'urls'
        ? processed / Math.max(1, datasource.options.urlCount ?? processed)
        : pdfPages !== undefined
          ? processed / Math.max(1, pdfPages)
          : bytesRead / Math.max(1, datasource.size);
    // A PDF page takes milliseconds to extract (a batch of them minutes): cancellation and progress are
    // checked per page, not per batch. Other units are cheap; a check each would cost more than them.
    const perUnit = datasource.type === 'pdf';

    const batchSize = this.config.ingestion.batchSize;
    let batch: RecordRow[] = [];
    let writing: Promise<void> | undefined;
    const write = async () => {
      // one batch in flight: the next one is parsed meanwhile, and batches commit in order
      if (writing) await writing;
      context.rowErrors(errors, errorCount);
      await context.checkpoint();
      const rows = batch;
      batch = [];
      const written = append
        ? this.records.appendNew(workspaceId, datasource.id, rows)
        : this.records.insertBatch(workspaceId, datasource.id, rows);
      const started = written.then(async (n) => {
        inserted += n;
        existing += rows.length - n;
        await context.progress(progress(), counts());
      });
      started.catch(() => undefined); // observed when awaited
      writing = started;
    };

    try {
      const onDocument = (info: { pages: number }) => (pdfPages = info.pages);
      for await (const unit of await this.units(datasource, counted, signal, onDocument, append)) {
        if (perUnit) {
          await context.checkpoint();
          await context.progress(progress(), counts());
        }
        processed++;
        if (unit.kind === 'problem') {
          errorCount++;
          if (errors.length < MAX_JOB_ERRORS) {
            errors.push({ row: unit.position, ...(unit.field && { field: unit.field }), message: unit.message });
          }
          continue;
        }
        if (unit.kind === 'resumed' || (resumeAfter !== null && unit.position <= resumeAfter)) {
          existing++;
          continue;
        }
        const metadata = metadataJson(unit.metadata);
        if ('problem' in metadata) {
          errorCount++;
          if (errors.length < MAX_JOB_ERRORS) {
            errors.push({ row: unit.position, field: 'metadata', message: metadata.problem });
          }
          continue;
        }
        batch.push({
          position: unit.position,
          text: withoutNul(unit.text),
          metadata: metadata.json,
          contentHash: hash('sha256', unit.text, 'hex'),
        });
        if (batch.length >= batchSize) await write();
      }
      if (batch.length) await write();
      await writing;
    } catch (err) {
      await writing?.catch(() => undefined);
      source.destroy();
      context.rowErrors(errors, errorCount);
      if (err instanceof MalformedSourceError || err instanceof CsvColumnMissingError) {
        throw new IngestionRejectedError(`${err.message} (after ${processed} rows)`);
      }
      throw err;
    }

    const failed = errorCount;
    errors.sort((a, b) => a.row - b.row);
    context.rowErrors(errors, errorCount);
    if (processed === 0 || failed === processed) {
      await this.reject(datasource, errorCount, append);
      throw new IngestionRejectedError(
        processed === 0 ? 'The data source holds no records' : `None of the ${processed} rows could be ingested`,
      );
    }
    const ratio = failed / processed;
    if (ratio > this.config.ingestion.maxErrorRatio) {
      await this.reject(datasource, errorCount, append);
      throw new IngestionRejectedError(
        `${failed} of ${processed} rows (${(ratio * 100).toFixed(1)} %) could not be ingested, more than ` +
          `INGEST_MAX_ERROR_RATIO allows (${this.config.ingestion.maxErrorRatio * 100} %); no records were kept. ` +
          `The first row errors are listed on the job`,
      );
    }
    const stored = await this.records.countForDatasource(workspaceId, datasource.id);
    await this.datasources.recordOutcome(workspaceId, datasource.id, stored, errorCount);
    return {
      counts: { ...counts(), total: processed },
      errors,
      errorCount,
      result: { records: stored, inserted, existing, failed },
    };
  }

  /**
   * A source with too many bad rows keeps none: the data source is failed, not half ingested. An
   * appending run keeps what earlier runs stored (only this run's rows were bad).
   */
  private async reject(datasource: Datasource, errorCount: number, append: boolean): Promise<void> {
    if (append) {
      const stored = await this.records.countForDatasource(datasource.workspaceId, datasource.id);
      await this.datasources.recordOutcome(datasource.workspaceId, datasource.id, stored, errorCount);
      return;
    }
    await this.records.deleteForDatasource(datasource.workspaceId, datasource.id);
    await this.datasources.recordOutcome(datasource.workspaceId, datasource.id, 0, errorCount);
  }

  private async units(
    datasource: Datasource,
    input: Readable,
    signal: AbortSignal | undefined,
    onDocument: (info: { pages: number }) => void,
    append: boolean,
  ): Promise<AsyncIterable<ParsedUnit>> {
    const options = datasource.options;
    switch (datasource.type) {
      case 'csv':
        return readCsvRecords(input, { delimiter: options.delimiter ?? ',', textColumn: options.textColumn });
      case 'json':
        return readJsonRecords(input, { textField: options.textField });
      case 'ndjson':
        return readNdjsonRecords(input, { textField: options.textField });
      case 'text':
        return readTextRecords(input, options.split ?? 'line');
      case 'pdf':
        return readPdfRecords(input, { signal, maxPages: this.config.ingestion.pdfMaxPages, onDocument });
      case 'urls':
        return readUrlListRecords(input, {
          fetcher: this.fetcher,
          concurrency: URL_CONCURRENCY,
          // appending fetches every URL again: their content may have changed
          stored: append ? new Set<number>() : await this.records.positions(datasource.workspaceId, datasource.id),
          signal,
        });
    }
  }
}
