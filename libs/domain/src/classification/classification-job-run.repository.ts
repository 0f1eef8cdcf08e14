import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ClassificationCursor } from './classification-job-input';

/** What a classification job has committed so far. */
export interface ClassificationRunState {
  cursor: ClassificationCursor | null;
  /** records classified (results written now or found written) */
  processed: number;
  /** results this job wrote */
  inserted: number;
}

/**
 * `classification_job_runs`: one row per classification job, moved forward by the statement that
 * writes each page's results (ClassificationResultRepository.writePage), so a run that died (or was
 * cancelled and retried) resumes exactly after its last committed page, with exact counts.
 */
@Injectable()
export class ClassificationJobRunRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The job's state, created empty on its first run. */
  async start(workspaceId: string, jobId: string): Promise<ClassificationRunState> {
    const rows: ClassificationRunState[] = await this.dataSource.query(
      `WITH created AS (
         INSERT INTO classification_job_runs (job_id, workspace_id) VALUES ($1, $2)
         ON CONFLICT (job_id) DO NOTHING
         RETURNING cursor, processed::float8 AS processed, inserted::float8 AS inserted)
       SELECT * FROM created
       UNION ALL
       SELECT cursor, processed::float8, inserted::float8 FROM classification_job_runs WHERE job_id = $1 AND workspace_id = $2`,
      [jobId, workspaceId],
    );
    return rows[0];
  }
}
