import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Page, PageRequest, SortField, toPage, ValidationError } from '@labwire/core';
import { JobName } from '@labwire/queue';
import { Actor } from '../audit/actor';
import { DatasourceService } from '../ingestion/datasource.service';
import { DatasourceBusyError } from '../ingestion/ingestion.errors';
import { RecordFilter, RecordRepository } from '../ingestion/record.repository';
import { Job, JobStatus } from '../jobs/job.entity';
import { JobSortField, JobSummary } from '../jobs/job.repository';
import { JobNotFoundError } from '../jobs/jobs.errors';
import { JobsService } from '../jobs/jobs.service';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { ClassificationSchemeNotFoundError } from './classification.errors';
import { ClassificationJobInput, RecordSelection, selectionSegments } from './classification-job-input';
import {
  ClassificationResult,
  ClassificationResultRepository,
  LabelCounts,
  ResultFilter,
  ResultScope,
  ResultSortField,
} from './classification-result.repository';
import { ClassificationSchemeRepository } from './classification-scheme.repository';

/** Data sources one classification job may name. */
export const MAX_JOB_DATASOURCES = 100;
/** Results read per statement of an export. */
const EXPORT_CHUNK = 2000;

export interface ClassificationJobRequest extends RecordSelection {
  schemeId: string;
}

/** Per-label counts of a job's results, every label of its scheme version listed. */
export interface JobLabelCounts extends LabelCounts {
  schemeId: string;
  schemeVersion: number;
}

/**
 * Classification jobs as the api sees them: started (the scheme's current version is frozen and the
 * job runs with it), read, and their results listed, counted per label and exported. A job is a
 * Jobs-API job of kind `classification.run`: progress, counts, cancel, retry and events come from
 * there.
 */
@Injectable()
export class ClassificationJobService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schemes: ClassificationSchemeRepository,
    private readonly results: ClassificationResultRepository,
    private readonly records: RecordRepository,
    private readonly datasources: DatasourceService,
    private readonly jobs: JobsService,
  ) {}

  /**
   * Starts a job over the records of some data sources, or of a record filter (`{}`: every record of
   * the workspace). Data sources still being ingested are refused (409 DATASOURCE_BUSY).
   */
  async create(membership: WorkspaceMembership, request: ClassificationJobRequest, actor: Actor): Promise<Job> {
    assertWorkspaceRole(membership, 'editor');
    return this.start(membership.workspaceId, request, actor);
  }

  /**
   * The job chain: once an ingestion job succeeded, its data source is classified with the scheme
   * its upload named. Idempotent per ingestion job: the job it started already is answered again.
   */
  async createAfterIngestion(
    workspaceId: string,
    ingestionJobId: string,
    datasourceId: string,
    schemeId: string,
    actor: Actor,
  ): Promise<Job | null> {
    const existing = await this.schemes.jobStartedBy(workspaceId, ingestionJobId);
    if (existing) return this.jobs.get(workspaceId, existing);
    if (!(await this.schemes.findInWorkspace(workspaceId, schemeId))) return null;
    return this.start(workspaceId, { schemeId, datasourceIds: [datasourceId] }, actor, ingestionJobId);
  }

  /**
   * A schedule's run: the job carries the schedule, and `link` runs in the job's transaction (the
   * run is recorded with it). The schedule's creator is the actor; the caller checked their role.
   */
  async createForSchedule(
    workspaceId: string,
    request: ClassificationJobRequest,
    actor: Actor,
    schedule: { scheduleId: string; link: (job: Job, em: EntityManager) => Promise<void> },
  ): Promise<Job> {
    return this.start(workspaceId, request, actor, undefined, schedule);
  }

  private async start(
    workspaceId: string,
    request: ClassificationJobRequest,
    actor: Actor,
    ingestionJobId?: string,
    schedule?: { scheduleId: string; link: (job: Job, em: EntityManager) => Promise<void> },
  ): Promise<Job> {
    const selection = await this.checkSelection(workspaceId, request);
    // Freeze the version the job runs with: an edit from now on makes a new one.
    const scheme = await this.dataSource.transaction(async (em) => {
      const locked = await this.schemes.lockInWorkspace(workspaceId, request.schemeId, em);
      if (!locked) throw new ClassificationSchemeNotFoundError(request.schemeId);
      const version = await this.schemes.freezeCurrentVersion(workspaceId, locked.id, em);
      return { ...locked, version };
    });
    let total = 0;
    for (const segment of selectionSegments(selection)) total += await this.records.count(workspaceId, segment);
    const input: ClassificationJobInput = {
      schemeId: scheme.id,
      schemeName: scheme.name,
      schemeVersion: scheme.version,
      ...selection,
      ...(ingestionJobId && { ingestionJobId }),
    };
    return this.jobs.create(workspaceId, actor, {
      kind: JobName.ClassificationRun,
      input,
      counts: { total, processed: 0, succeeded: 0, failed: 0, inserted: 0, existing: 0 },
      ...(schedule && { scheduleId: schedule.scheduleId, link: schedule.link }),
    });
  }

  private async checkSelection(workspaceId: string, request: ClassificationJobRequest): Promise<RecordSelection> {
    const { datasourceIds, filter } = request;
    if ((datasourceIds === undefined) === (filter === undefined)) {
      throw new ValidationError('Give either datasourceIds or filter (an empty filter selects every record)', [
        { field: datasourceIds ? 'filter' : 'datasourceIds', message: 'datasourceIds and filter exclude each other' },
      ]);
    }
    if (datasourceIds) {
      const ids = [...new Set(datasourceIds.map((id) => id.toLowerCase()))].sort();
      if (!ids.length || ids.length > MAX_JOB_DATASOURCES) {
        throw new ValidationError(`Give 1 to ${MAX_JOB_DATASOURCES} data sources`, [
          { field: 'datasourceIds', message: `must hold 1 to ${MAX_JOB_DATASOURCES} ids` },
        ]);
      }
      for (const id of ids) await this.checkDatasource(workspaceId, id);
      return { datasourceIds: ids };
    }
    const clean: RecordFilter = {
      ...(filter!.datasourceId && { datasourceId: filter!.datasourceId.toLowerCase() }),
      ...(filter!.q?.trim() && { q: filter!.q.trim() }),
      ...(filter!.metadata && { metadata: filter!.metadata }),
      ...(filter!.createdAfter && { createdAfter: filter!.createdAfter }),
    };
    if (clean.datasourceId) await this.checkDatasource(workspaceId, clean.datasourceId);
    return { filter: clean };
  }

  /** 404 when not in the workspace; 409 while it is being ingested. */
  private async checkDatasource(workspaceId: string, id: string): Promise<void> {
    const datasource = await this.datasources.get(workspaceId, id);
    if ((datasource.status === 'pending' || datasource.status === 'ingesting') && datasource.lastJobId) {
      throw new DatasourceBusyError(id, datasource.lastJobId);
    }
  }

  async list(
    workspaceId: string,
    filter: { status?: JobStatus },
    page: PageRequest,
    sort: SortField<JobSortField>[],
  ): Promise<Page<JobSummary>> {
    return this.jobs.list(workspaceId, { kind: JobName.ClassificationRun, status: filter.status }, page, sort);
  }

  /** A classification job; any other job (or none) is 404 JOB_NOT_FOUND. */
  async get(workspaceId: string, jobId: string): Promise<Job> {
    const job = await this.jobs.get(workspaceId, jobId);
    if (job.kind !== JobName.ClassificationRun) throw new JobNotFoundError(jobId);
    return job;
  }

  async listResults(
    workspaceId: string,
    jobId: string,
    filter: ResultFilter,
    page: PageRequest,
    sort: SortField<ResultSortField>[],
  ): Promise<Page<ClassificationResult>> {
    const scope = await this.scope(workspaceId, jobId, filter);
    const [items, total] = await this.results.list(scope, filter, page, sort);
    return toPage(items, total, page);
  }

  async labelCounts(
    workspaceId: string,
    jobId: string,
    filter: Pick<ResultFilter, 'minConfidence'>,
  ): Promise<JobLabelCounts> {
    const scope = await this.scope(workspaceId, jobId, {});
    const counts = await this.results.labelCounts(scope, filter);
    const version = await this.schemes.findVersion(workspaceId, scope.schemeId, scope.schemeVersion);
    const byLabel = new Map(counts.labels.map((l) => [l.label, l.count]));
    // every label of the version, in scheme order, zeros included
    const labels = (version?.definition.labels ?? []).map((l) => ({ label: l.name, count: byLabel.get(l.name) ?? 0 }));
    return { schemeId: scope.schemeId, schemeVersion: scope.schemeVersion, ...counts, labels };
  }

  /**
   * The results for an export, chunk by chunk in (data source, position) order. The job is checked
   * before the first chunk is read, so a bad request still gets a problem answer.
   */
  async exportResults(
    workspaceId: string,
    jobId: string,
    filter: ResultFilter,
  ): Promise<AsyncGenerator<ClassificationResult[]>> {
    const scope = await this.scope(workspaceId, jobId, filter);
    const results = this.results;
    return (async function* () {
      let after: { datasourceId: string; position: number } | null = null;
      for (;;) {
        const chunk = await results.exportChunk(scope, filter, after, EXPORT_CHUNK);
        if (!chunk.length) return;
        yield chunk;
        const last = chunk[chunk.length - 1];
        after = { datasourceId: last.datasourceId, position: last.position };
        if (chunk.length < EXPORT_CHUNK) return;
      }
    })();
  }

  /** The results a job stands for; a label filter must name a label of its version. */
  private async scope(workspaceId: string, jobId: string, filter: ResultFilter): Promise<ResultScope> {
    const job = await this.get(workspaceId, jobId);
    const input = job.input as ClassificationJobInput;
    if (filter.label !== undefined) {
      const version = await this.schemes.findVersion(workspaceId, input.schemeId, input.schemeVersion);
      const names = version?.definition.labels.map((l) => l.name) ?? [];
      if (!names.includes(filter.label)) {
        throw new ValidationError(`"${filter.label}" is not a label of the job's scheme version`, [
          { field: 'label', message: `must be one of: ${names.join(', ')}` },
        ]);
      }
    }
    return {
      workspaceId,
      schemeId: input.schemeId,
      schemeVersion: input.schemeVersion,
      selection: { datasourceIds: input.datasourceIds, filter: input.filter },
    };
  }
}
