import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { isUniqueViolation } from '@labwire/database';
import { escapeLike } from '../identity/user.repository';
import { Datasource, DatasourceOptions, DatasourceStatus, DatasourceType } from './datasource';

export interface DatasourceFilter {
  type?: DatasourceType;
  status?: DatasourceStatus;
  /** part of the name, case-insensitive */
  q?: string;
}

export const DATASOURCE_SORT_FIELDS = ['createdAt', 'name', 'size', 'recordCount'] as const;
export type DatasourceSortField = (typeof DATASOURCE_SORT_FIELDS)[number];

const SORT_COLUMNS: Record<DatasourceSortField, string> = {
  createdAt: 'd.created_at',
  name: 'd.name',
  size: 'd.size',
  recordCount: 'd.record_count',
};

export interface NewDatasource {
  id: string;
  name: string;
  type: DatasourceType;
  size: number;
  checksum: string;
  options: DatasourceOptions;
  classifySchemeId: string | null;
  createdBy: string | null;
  /** set on the data sources a schedule's runs create (exempt from the one-checksum rule) */
  scheduleId?: string | null;
}

/** A data source's status is its last job's (none yet: pending). */
const STATUS = `CASE j.status WHEN 'running' THEN 'ingesting' WHEN 'succeeded' THEN 'ingested'
  WHEN 'failed' THEN 'failed' WHEN 'cancelled' THEN 'cancelled' ELSE 'pending' END`;

const COLUMNS = `d.id, d.workspace_id AS "workspaceId", d.name, d.type, d.size::float8 AS size, d.checksum, d.options,
  d.classify_scheme_id AS "classifySchemeId", ${STATUS} AS status, d.record_count::float8 AS "recordCount",
  d.error_count AS "errorCount", d.last_job_id AS "lastJobId", d.created_by AS "createdBy",
  d.created_at AS "createdAt", d.updated_at AS "updatedAt"`;
const FROM = `datasources d LEFT JOIN jobs j ON j.id = d.last_job_id`;

const CHECKSUM_CONSTRAINT = 'UQ_datasources_workspace_checksum';

/** The `datasources` table; every method is scoped to one workspace. */
@Injectable()
export class DatasourceRepository {
  constructor(private readonly dataSource: DataSource) {}

  private manager(em?: EntityManager): EntityManager {
    return em ?? this.dataSource.manager;
  }

  private async one(sql: string, params: unknown[], em?: EntityManager): Promise<Datasource | null> {
    const rows: Datasource[] = await this.manager(em).query(sql, params);
    return rows[0] ?? null;
  }

  /** Null when the workspace already has a data source with this checksum. */
  async insert(workspaceId: string, d: NewDatasource, em: EntityManager): Promise<Datasource | null> {
    try {
      await em.query(
        `INSERT INTO datasources (id, workspace_id, name, type, size, checksum, options, classify_scheme_id, created_by,
           schedule_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          d.id,
          workspaceId,
          d.name,
          d.type,
          d.size,
          d.checksum,
          JSON.stringify(d.options),
          d.classifySchemeId,
          d.createdBy,
          d.scheduleId ?? null,
        ],
      );
    } catch (err) {
      if (isUniqueViolation(err, CHECKSUM_CONSTRAINT)) return null;
      throw err;
    }
    return this.findInWorkspace(workspaceId, d.id, em);
  }

  findInWorkspace(workspaceId: string, id: string, em?: EntityManager): Promise<Datasource | null> {
    return this.one(`SELECT ${COLUMNS} FROM ${FROM} WHERE d.id = $1 AND d.workspace_id = $2`, [id, workspaceId], em);
  }

  /** The uploaded (not schedule-made) data source with this content. */
  findByChecksum(workspaceId: string, checksum: string): Promise<Datasource | null> {
    return this.one(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE d.workspace_id = $1 AND d.checksum = $2 AND d.schedule_id IS NULL`,
      [workspaceId, checksum],
    );
  }

  /** Reads and locks the data source's row until the transaction ends. */
  lockInWorkspace(workspaceId: string, id: string, em: EntityManager): Promise<Datasource | null> {
    return this.one(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE d.id = $1 AND d.workspace_id = $2 FOR UPDATE OF d`,
      [id, workspaceId],
      em,
    );
  }

  async listInWorkspace(
    workspaceId: string,
    filter: DatasourceFilter,
    page: PageRequest,
    sort: SortField<DatasourceSortField>[],
  ): Promise<[Datasource[], number]> {
    const params: unknown[] = [workspaceId];
    const where = ['d.workspace_id = $1'];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filter.type) add((p) => `d.type = ${p}`, filter.type);
    if (filter.status) add((p) => `(${STATUS}) = ${p}`, filter.status);
    if (filter.q) add((p) => `d.name ILIKE ${p}`, `%${escapeLike(filter.q)}%`);
    const order = [...sort.map((s) => `${SORT_COLUMNS[s.field]} ${s.direction}`), 'd.id ASC'];
    const whereSql = where.join(' AND ');
    params.push(page.pageSize, (page.page - 1) * page.pageSize);
    const rows: Array<Datasource & { total: string }> = await this.dataSource.query(
      `WITH page AS (SELECT ${COLUMNS} FROM ${FROM} WHERE ${whereSql}
          ORDER BY ${order.join(', ')} LIMIT $${params.length - 1} OFFSET $${params.length})
       SELECT c.total, page.* FROM (SELECT count(*) AS total FROM ${FROM} WHERE ${whereSql}) c LEFT JOIN page ON true`,
      params,
    );
    const total = rows.length ? Number(rows[0].total) : 0;
    return [rows[0]?.id ? rows.map(({ total: _total, ...d }) => d as Datasource) : [], total];
  }

  async setLastJob(workspaceId: string, id: string, jobId: string, em?: EntityManager): Promise<void> {
    await this.manager(em).query(
      `UPDATE datasources SET last_job_id = $3, updated_at = now() WHERE id = $1 AND workspace_id = $2`,
      [id, workspaceId, jobId],
    );
  }

  /** What an ingestion ended with: the records stored and the problems found. */
  async recordOutcome(workspaceId: string, id: string, recordCount: number, errorCount: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE datasources SET record_count = $3, error_count = $4, updated_at = now() WHERE id = $1 AND workspace_id = $2`,
      [id, workspaceId, recordCount, errorCount],
    );
  }

  async adjustRecordCount(workspaceId: string, id: string, delta: number, em: EntityManager): Promise<void> {
    await em.query(
      `UPDATE datasources SET record_count = GREATEST(0, record_count + $3), updated_at = now()
        WHERE id = $1 AND workspace_id = $2`,
      [id, workspaceId, delta],
    );
  }

  /** Deletes the data source; its records go with it (ON DELETE CASCADE). */
  async delete(workspaceId: string, id: string, em: EntityManager): Promise<void> {
    await em.query(`DELETE FROM datasources WHERE id = $1 AND workspace_id = $2`, [id, workspaceId]);
  }

  /** Whether the workspace has this classification scheme (what an upload may ask to be classified with). */
  async classificationSchemeExists(workspaceId: string, schemeId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM classification_schemes WHERE id = $1 AND workspace_id = $2`,
      [schemeId, workspaceId],
    );
    return rows.length > 0;
  }
}
