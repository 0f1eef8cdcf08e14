import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { isUniqueViolation } from '@labwire/database';
import { JobName } from '@labwire/queue';
import { escapeLike } from '../identity/user.repository';
import { ClassificationScheme, ClassificationSchemeVersion, SchemeDefinition } from './classification-scheme';
import { ClassificationSchemeNameTakenError } from './classification.errors';

export interface SchemeFilter {
  /** part of the name or description, case-insensitive */
  q?: string;
}

export const SCHEME_SORT_FIELDS = ['name', 'createdAt', 'updatedAt'] as const;
export type SchemeSortField = (typeof SCHEME_SORT_FIELDS)[number];

const SORT_COLUMNS: Record<SchemeSortField, string> = {
  name: 's.name',
  createdAt: 's.created_at',
  updatedAt: 's.updated_at',
};

export interface NewScheme {
  name: string;
  description: string | null;
  definition: SchemeDefinition;
  apiKeyCiphertext: string | null;
  createdBy: string | null;
}

export interface SchemePatch {
  name?: string;
  description?: string | null;
  definition?: SchemeDefinition;
  apiKeyCiphertext?: string | null;
  version?: number;
}

const COLUMNS = `s.id, s.workspace_id AS "workspaceId", s.name, s.description, s.definition,
  s.api_key_ciphertext IS NOT NULL AS "apiKeySet", s.version,
  EXISTS (SELECT 1 FROM classification_scheme_versions v WHERE v.scheme_id = s.id AND v.version = s.version) AS "versionFrozen",
  s.created_by AS "createdBy", s.created_at AS "createdAt", s.updated_at AS "updatedAt"`;
const VERSION_COLUMNS = `v.scheme_id AS "schemeId", v.workspace_id AS "workspaceId", v.version, v.name, v.description,
  v.definition, v.created_at AS "createdAt"`;
const NAME_CONSTRAINT = 'UQ_classification_schemes_workspace_name';

/**
 * `classification_schemes` and their frozen versions. Every method takes the workspace id. A version
 * row is written once (when a job first uses it) and never changed.
 */
@Injectable()
export class ClassificationSchemeRepository {
  constructor(private readonly dataSource: DataSource) {}

  private manager(em?: EntityManager): EntityManager {
    return em ?? this.dataSource.manager;
  }

  private async one(sql: string, params: unknown[], em?: EntityManager): Promise<ClassificationScheme | null> {
    const rows: ClassificationScheme[] = await this.manager(em).query(sql, params);
    return rows[0] ?? null;
  }

  async insert(workspaceId: string, scheme: NewScheme, em: EntityManager): Promise<ClassificationScheme> {
    try {
      const [row]: Array<{ id: string }> = await em.query(
        `INSERT INTO classification_schemes (workspace_id, name, description, definition, api_key_ciphertext, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [
          workspaceId,
          scheme.name,
          scheme.description,
          JSON.stringify(scheme.definition),
          scheme.apiKeyCiphertext,
          scheme.createdBy,
        ],
      );
      return (await this.findInWorkspace(workspaceId, row.id, em)) as ClassificationScheme;
    } catch (err) {
      if (isUniqueViolation(err, NAME_CONSTRAINT)) throw new ClassificationSchemeNameTakenError(scheme.name);
      throw err;
    }
  }

  findInWorkspace(workspaceId: string, id: string, em?: EntityManager): Promise<ClassificationScheme | null> {
    return this.one(
      `SELECT ${COLUMNS} FROM classification_schemes s WHERE s.id = $1 AND s.workspace_id = $2`,
      [id, workspaceId],
      em,
    );
  }

  /** Reads and locks the scheme: edits, deletes and jobs freezing its version wait for each other. */
  lockInWorkspace(workspaceId: string, id: string, em: EntityManager): Promise<ClassificationScheme | null> {
    return this.one(
      `SELECT ${COLUMNS} FROM classification_schemes s WHERE s.id = $1 AND s.workspace_id = $2 FOR UPDATE`,
      [id, workspaceId],
      em,
    );
  }

  /** One page of the workspace's schemes and the filtered total. */
  async listInWorkspace(
    workspaceId: string,
    filter: SchemeFilter,
    page: PageRequest,
    sort: SortField<SchemeSortField>[],
  ): Promise<[ClassificationScheme[], number]> {
    const params: unknown[] = [workspaceId];
    let where = 's.workspace_id = $1';
    if (filter.q) {
      params.push(`%${escapeLike(filter.q)}%`);
      where += ` AND (s.name ILIKE $2 OR s.description ILIKE $2)`;
    }
    const order = [...sort.map((s) => `${SORT_COLUMNS[s.field]} ${s.direction}`), 's.id ASC'].join(', ');
    params.push(page.pageSize, (page.page - 1) * page.pageSize);
    const rows: Array<ClassificationScheme & { total: string }> = await this.dataSource.query(
      `WITH page AS (SELECT ${COLUMNS} FROM classification_schemes s WHERE ${where}
          ORDER BY ${order} LIMIT $${params.length - 1} OFFSET $${params.length})
       SELECT c.total, page.* FROM (SELECT count(*) AS total FROM classification_schemes s WHERE ${where}) c
         LEFT JOIN page ON true`,
      params,
    );
    const total = rows.length ? Number(rows[0].total) : 0;
    return [rows[0]?.id ? rows.map(({ total: _total, ...s }) => s as ClassificationScheme) : [], total];
  }

  /** Applies the patch; throws ClassificationSchemeNameTakenError on a duplicate name. */
  async update(workspaceId: string, id: string, patch: SchemePatch, em: EntityManager): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [id, workspaceId];
    const set = (column: string, value: unknown) => sets.push(`${column} = $${params.push(value)}`);
    if (patch.name !== undefined) set('name', patch.name);
    if (patch.description !== undefined) set('description', patch.description);
    if (patch.definition !== undefined) set('definition', JSON.stringify(patch.definition));
    if (patch.apiKeyCiphertext !== undefined) set('api_key_ciphertext', patch.apiKeyCiphertext);
    if (patch.version !== undefined) set('version', patch.version);
    if (!sets.length) return;
    try {
      await em.query(
        `UPDATE classification_schemes SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 AND workspace_id = $2`,
        params,
      );
    } catch (err) {
      if (isUniqueViolation(err, NAME_CONSTRAINT)) throw new ClassificationSchemeNameTakenError(patch.name ?? '');
      throw err;
    }
  }

  async delete(workspaceId: string, id: string, em: EntityManager): Promise<void> {
    await em.query(`DELETE FROM classification_schemes WHERE id = $1 AND workspace_id = $2`, [id, workspaceId]);
  }

  /** The stored (encrypted) API key, or null. */
  async apiKeyCiphertext(workspaceId: string, id: string): Promise<string | null> {
    const rows: Array<{ key: string | null }> = await this.dataSource.query(
      `SELECT api_key_ciphertext AS key FROM classification_schemes WHERE id = $1 AND workspace_id = $2`,
      [id, workspaceId],
    );
    return rows[0]?.key ?? null;
  }

  /**
   * Freezes the scheme's current version (call with the scheme locked): its snapshot is written
   * unless it is already. Answers the version.
   */
  async freezeCurrentVersion(workspaceId: string, id: string, em: EntityManager): Promise<number> {
    const [row]: Array<{ version: number }> = await em.query(
      `WITH frozen AS (
         INSERT INTO classification_scheme_versions (scheme_id, version, workspace_id, name, description, definition)
         SELECT id, version, workspace_id, name, description, definition FROM classification_schemes
          WHERE id = $1 AND workspace_id = $2
         ON CONFLICT (scheme_id, version) DO NOTHING)
       SELECT version FROM classification_schemes WHERE id = $1 AND workspace_id = $2`,
      [id, workspaceId],
    );
    return row.version;
  }

  async findVersion(
    workspaceId: string,
    schemeId: string,
    version: number,
  ): Promise<ClassificationSchemeVersion | null> {
    const rows: ClassificationSchemeVersion[] = await this.dataSource.query(
      `SELECT ${VERSION_COLUMNS} FROM classification_scheme_versions v
        WHERE v.scheme_id = $1 AND v.version = $2 AND v.workspace_id = $3`,
      [schemeId, version, workspaceId],
    );
    return rows[0] ?? null;
  }

  /** The frozen versions of a scheme, newest first, and their number. */
  async listVersions(
    workspaceId: string,
    schemeId: string,
    page: PageRequest,
  ): Promise<[ClassificationSchemeVersion[], number]> {
    const rows: Array<ClassificationSchemeVersion & { total: string }> = await this.dataSource.query(
      `SELECT ${VERSION_COLUMNS}, count(*) OVER () AS total FROM classification_scheme_versions v
        WHERE v.scheme_id = $1 AND v.workspace_id = $2 ORDER BY v.version DESC LIMIT $3 OFFSET $4`,
      [schemeId, workspaceId, page.pageSize, (page.page - 1) * page.pageSize],
    );
    if (rows.length || page.page === 1) {
      return [
        rows.map(({ total: _total, ...v }) => v as ClassificationSchemeVersion),
        rows.length ? Number(rows[0].total) : 0,
      ];
    }
    const count: Array<{ n: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM classification_scheme_versions WHERE scheme_id = $1 AND workspace_id = $2`,
      [schemeId, workspaceId],
    );
    return [[], count[0].n];
  }

  /** Classification jobs of the scheme that are queued or running. */
  async activeJobIds(workspaceId: string, schemeId: string, em: EntityManager): Promise<string[]> {
    const rows: Array<{ id: string }> = await em.query(
      `SELECT id FROM jobs WHERE workspace_id = $1 AND kind = $2 AND status IN ('queued', 'running')
          AND input ->> 'schemeId' = $3 ORDER BY created_at`,
      [workspaceId, JobName.ClassificationRun, schemeId],
    );
    return rows.map((r) => r.id);
  }

  /** The first of `ids` that is not a data source of the workspace, or undefined. */
  async firstMissingDatasource(workspaceId: string, ids: string[], em?: EntityManager): Promise<string | undefined> {
    const rows: Array<{ id: string }> = await this.manager(em).query(
      `SELECT id FROM datasources WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
      [workspaceId, ids],
    );
    const found = new Set(rows.map((r) => r.id));
    return ids.find((id) => !found.has(id));
  }

  /** The classification job an ingestion job started (the job chain), if any. */
  async jobStartedBy(workspaceId: string, ingestionJobId: string): Promise<string | null> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM jobs WHERE workspace_id = $1 AND kind = $2 AND input ->> 'ingestionJobId' = $3 LIMIT 1`,
      [workspaceId, JobName.ClassificationRun, ingestionJobId],
    );
    return rows[0]?.id ?? null;
  }
}
