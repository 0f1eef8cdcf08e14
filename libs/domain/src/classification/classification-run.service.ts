import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { Classification } from '@labwire/providers';
import { RecordCursor, RecordFilter, RecordRepository, RecordText } from '../ingestion/record.repository';
import { JobCounts } from '../jobs/job.entity';
import { JobContext, JobWork } from '../jobs/job-runner';
import { ClassificationSchemeVersionNotFoundError } from './classification.errors';
import { ClassificationCursor, ClassificationJobInput, selectionSegments } from './classification-job-input';
import { ClassificationJobRunRepository } from './classification-job-run.repository';
import { ClassificationResultRepository, ResultRow } from './classification-result.repository';
import { ClassificationSchemeRepository } from './classification-scheme.repository';
import { ClassifierFactory } from './classifier-factory';

/** Characters of a record handed to a provider (the built-in tokenizer reads 20,000 at most). */
const RECORD_TEXT_CHARS = 20_000;
/** HTTP providers: requests per page, so a slow model still commits (and checks for cancel) often. */
const HTTP_BATCHES_PER_PAGE = 5;

export interface ClassificationRunResult extends Record<string, unknown> {
  /** records classified by the job (earlier runs of it included) */
  classified: number;
  /** results the job wrote */
  inserted: number;
  /** records that had a result of the scheme version already (an earlier job of it) */
  existing: number;
  /** built-in provider: texts the model was trained on (examples and labelled records) */
  trainingDocuments?: number;
}

/**
 * The `classification.run` job: walks the selected records page by page in (data source, position)
 * order, classifies each page through the scheme version's provider, and writes the page's results
 * and the job's cursor in one transaction. The next page is read while one is classified and the
 * previous one written (one write in flight, so pages commit in order). Cancellation is checked
 * before each page. A run that died, failed or was cancelled resumes after its last committed page;
 * results are unique per scheme version and record, so none is written twice.
 */
@Injectable()
export class ClassificationRunService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly schemes: ClassificationSchemeRepository,
    private readonly records: RecordRepository,
    private readonly results: ClassificationResultRepository,
    private readonly runs: ClassificationJobRunRepository,
    private readonly factory: ClassifierFactory,
  ) {}

  async run(context: JobContext, signal?: AbortSignal): Promise<JobWork<ClassificationRunResult>> {
    const { workspaceId, jobId } = context.ref;
    const input = context.job.input as ClassificationJobInput;
    const version = await this.schemes.findVersion(workspaceId, input.schemeId, input.schemeVersion);
    if (!version) throw new ClassificationSchemeVersionNotFoundError(input.schemeId, input.schemeVersion);
    const state = await this.runs.start(workspaceId, jobId);
    const total = context.job.counts.total ?? 0;
    let processed = state.processed;
    let inserted = state.inserted;
    const counts = (): JobCounts => ({
      total: Math.max(total, processed),
      processed,
      succeeded: processed,
      failed: 0,
      inserted,
      existing: processed - inserted,
    });

    const { classifier, trainingDocuments } = await this.factory.prepare(version);
    const provider = version.definition.provider;
    const pageSize =
      provider.type === 'http'
        ? Math.min(this.config.classification.pageSize, provider.batchSize * HTTP_BATCHES_PER_PAGE)
        : this.config.classification.pageSize;
    const segments = selectionSegments(input);
    const resume: ClassificationCursor = state.cursor ?? { segment: 0, after: null };
    let writing: Promise<void> | undefined;
    try {
      for (let segment = resume.segment; segment < segments.length; segment++) {
        let after = segment === resume.segment ? resume.after : null;
        let page = await this.readPage(workspaceId, segments[segment], after, pageSize);
        while (page.length) {
          await context.checkpoint();
          const last = page[page.length - 1];
          after = { datasourceId: last.datasourceId, position: last.position };
          const next =
            page.length < pageSize
              ? Promise.resolve([])
              : this.readPage(workspaceId, segments[segment], after, pageSize);
          next.catch(() => undefined); // observed below
          const classified = await classifier.classify(
            page.map((r) => ({ id: r.id, text: r.text })),
            signal,
          );
          if (writing) await writing;
          const rows = classified.map((c, i) => toRow(c, page[i]));
          const cursor: ClassificationCursor = { segment, after };
          const started = this.write(workspaceId, jobId, input, rows, cursor).then(async (written) => {
            processed += rows.length;
            inserted += written;
            await context.progress(processed / Math.max(total, processed, 1), counts());
          });
          started.catch(() => undefined); // observed when awaited
          writing = started;
          page = await next;
        }
      }
      await writing;
    } catch (err) {
      // the page being written commits or not, but not after the run has ended
      await writing?.catch(() => undefined);
      throw err;
    } finally {
      classifier.close?.();
    }

    return {
      counts: { ...counts(), total: processed },
      result: {
        classified: processed,
        inserted,
        existing: processed - inserted,
        ...(trainingDocuments !== undefined && { trainingDocuments }),
      },
    };
  }

  private readPage(
    workspaceId: string,
    filter: RecordFilter,
    after: RecordCursor | null,
    limit: number,
  ): Promise<RecordText[]> {
    return this.records.textPage(workspaceId, filter, after, limit, RECORD_TEXT_CHARS);
  }

  /** A page's results and the job's cursor, together; answers how many results were new. */
  private write(
    workspaceId: string,
    jobId: string,
    input: ClassificationJobInput,
    rows: ResultRow[],
    cursor: ClassificationCursor,
  ): Promise<number> {
    return this.results.writePage({
      workspaceId,
      jobId,
      schemeId: input.schemeId,
      schemeVersion: input.schemeVersion,
      rows,
      cursor,
    });
  }
}

function toRow(c: Classification, record: RecordText): ResultRow {
  if (c.id !== record.id) throw new Error(`the provider answered record ${c.id} in the place of ${record.id}`);
  return {
    recordId: record.id,
    labels: c.labels,
    confidence: Math.min(1, Math.max(0, c.confidence)),
    explanation: c.explanation,
  };
}
