import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/**
 * A job's bulk input (`job_payloads`), kept in PostgreSQL next to its row rather than in the BullMQ
 * job in Redis: it survives BullMQ's retention and a Redis restart, so a failed or cancelled job can
 * be retried at any time, and Redis (noeviction) never holds megabytes per job.
 */
@Injectable()
export class JobPayloadRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(jobId: string, payload: unknown, em: EntityManager): Promise<void> {
    await em.query(`INSERT INTO job_payloads (job_id, payload) VALUES ($1, $2)`, [jobId, JSON.stringify(payload)]);
  }

  async findForJob<T>(workspaceId: string, jobId: string): Promise<T | null> {
    const rows: Array<{ payload: T }> = await this.dataSource.query(
      `SELECT p.payload FROM job_payloads p JOIN jobs j ON j.id = p.job_id WHERE p.job_id = $1 AND j.workspace_id = $2`,
      [jobId, workspaceId],
    );
    return rows[0]?.payload ?? null;
  }

  /** Once a job has succeeded its input is spent: what it produced lives elsewhere. */
  async deleteForJob(workspaceId: string, jobId: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM job_payloads p USING jobs j WHERE p.job_id = $1 AND j.id = p.job_id AND j.workspace_id = $2`,
      [jobId, workspaceId],
    );
  }
}
