import { Injectable, Logger } from '@nestjs/common';
import { DatasourceService } from '../ingestion/datasource.service';
import { DatasourceNotFoundError } from '../ingestion/ingestion.errors';
import { JobRef, JobsService } from '../jobs/jobs.service';
import { ClassificationJobService } from './classification-job.service';

/**
 * The job chain upload → ingestion → classification: an upload that named `classifySchemeId` is
 * classified with that scheme once its ingestion succeeded. Safe to call again for the same
 * ingestion job (a retried or redelivered one): it starts the classification job once.
 */
@Injectable()
export class ClassificationChainService {
  private readonly logger = new Logger('Classification');

  constructor(
    private readonly jobs: JobsService,
    private readonly datasources: DatasourceService,
    private readonly classification: ClassificationJobService,
  ) {}

  /** Starts the classification its data source asked for, when the ingestion job `ref` succeeded. */
  async afterIngestion(ref: JobRef): Promise<void> {
    const ingestion = await this.jobs.get(ref.workspaceId, ref.jobId).catch(() => null);
    if (ingestion?.status !== 'succeeded') return;
    const datasourceId = ingestion.input.datasourceId;
    if (typeof datasourceId !== 'string') return;
    let datasource;
    try {
      datasource = await this.datasources.get(ref.workspaceId, datasourceId);
    } catch (err) {
      if (err instanceof DatasourceNotFoundError) return;
      throw err;
    }
    // only the data source's latest ingestion chains (a re-ingestion started meanwhile will)
    if (!datasource.classifySchemeId || datasource.lastJobId !== ingestion.id) return;
    const userId = ingestion.createdBy ?? datasource.createdBy;
    if (!userId) {
      this.logger.warn(`data source ${datasource.id}: not classified, the user who uploaded it is gone`);
      return;
    }
    const job = await this.classification.createAfterIngestion(
      ref.workspaceId,
      ingestion.id,
      datasource.id,
      datasource.classifySchemeId,
      { userId, requestId: `job:${ingestion.id}` },
    );
    if (!job) {
      this.logger.warn(
        `data source ${datasource.id}: not classified, scheme ${datasource.classifySchemeId} no longer exists`,
      );
    }
  }
}
