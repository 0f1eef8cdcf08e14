import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { isUniqueViolation } from '@labwire/database';
import { escapeLike } from '../identity/user.repository';
import { Protocol, ProtocolVersion } from './protocol';
import { ProtocolDefinition } from './protocol-definition';
import { ProtocolNameTakenError } from './experiments.errors';

export interface ProtocolFilter {
  /** part of the name or description, case-insensitive */
  q?: string;
}

export const PROTOCOL_SORT_FIELDS = ['name', 'createdAt', 'updatedAt'] as const;
export type ProtocolSortField = (typeof PROTOCOL_SORT_FIELDS)[number];

const SORT_COLUMNS: Record<ProtocolSortField, string> = {
  name: 'p.name',
  createdAt: 'p.created_at',
  updatedAt: 'p.updated_at',
};

export interface ProtocolPatch {
  name: string;
  description: string | null;
  definition: ProtocolDefinition;
  version: number;
}

const COLUMNS = `p.id, p.workspace_id AS "workspaceId", p.name, p.description, p.definition, p.version,
  EXISTS (SELECT 1 FROM protocol_versions v WHERE v.protocol_id = p.id AND v.version = p.version) AS "versionFrozen",
  p.created_by AS "createdBy", p.created_at AS "createdAt", p.updated_at AS "updatedAt"`;
const VERSION_COLUMNS = `v.protocol_id AS "protocolId", v.workspace_id AS "workspaceId", v.version, v.name,
  v.description, v.definition, v.created_at AS "createdAt"`;
const NAME_CONSTRAINT = 'UQ_protocols_workspace_name';

/** `protocols` and their frozen versions. Every method takes the workspace id; a version row never changes. */
@Injectable()
export class ProtocolRepository {
  constructor(private readonly dataSource: DataSource) {}

  private async one(sql: string, params: unknown[], em?: EntityManager): Promise<Protocol | null> {
    const rows: Protocol[] = await (em ?? this.dataSource.manager).query(sql, params);
    return rows[0] ?? null;
  }

  async insert(
    workspaceId: string,
    p: { name: string; description: string | null; definition: ProtocolDefinition; createdBy: string | null },
    em: EntityManager,
  ): Promise<Protocol> {
    try {
      const [row]: Array<{ id: string }> = await em.query(
        `INSERT INTO protocols (workspace_id, name, description, definition, created_by)
         VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [workspaceId, p.name, p.description, JSON.stringify(p.definition), p.createdBy],
      );
      return (await this.findInWorkspace(workspaceId, row.id, em)) as Protocol;
    } catch (err) {
      if (isUniqueViolation(err, NAME_CONSTRAINT)) throw new ProtocolNameTakenError(p.name);
      throw err;
    }
  }

  findInWorkspace(workspaceId: string, id: string, em?: EntityManager): Promise<Protocol | null> {
    return this.one(
      `SELECT ${COLUMNS} FROM protocols p WHERE p.id = $1 AND p.workspace_id = $2`,
      [id, workspaceId],
      em,
    );
  }

  /** Reads and locks the protocol: edits, deletes and experiments freezing its version wait for each other. */
  lockInWorkspace(workspaceId: string, id: string, em: EntityManager): Promise<Protocol | null> {
    return this.one(
      `SELECT ${COLUMNS} FROM protocols p WHERE p.id = $1 AND p.workspace_id = $2 FOR UPDATE`,
      [id, workspaceId],
      em,
    );
  }

  async listInWorkspace(
    workspaceId: string,
    filter: ProtocolFilter,
    page: PageRequest,
    sort: SortField<ProtocolSortField>[],
  ): Promise<[Protocol[], number]> {
    const params: unknown[] = [workspaceId];
    let where = 'p.workspace_id = $1';
    if (filter.q) {
      params.push(`%${escapeLike(filter.q)}%`);
      where += ` AND (p.name ILIKE $2 OR p.description ILIKE $2)`;
    }
    const order = [...sort.map((s) => `${SORT_COLUMNS[s.field]} ${s.direction}`), 'p.id ASC'].join(', ');
    const [items, count] = await Promise.all([
      this.dataSource.query(
        `SELECT ${COLUMNS} FROM protocols p WHERE ${where} ORDER BY ${order}
          LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, page.pageSize, (page.page - 1) * page.pageSize],
      ) as Promise<Protocol[]>,
      this.dataSource.query(`SELECT count(*)::int AS n FROM protocols p WHERE ${where}`, params) as Promise<
        Array<{ n: number }>
      >,
    ]);
    return [items, count[0].n];
  }

  async update(workspaceId: string, id: string, patch: ProtocolPatch, em: EntityManager): Promise<void> {
    try {
      await em.query(
        `UPDATE protocols SET name = $3, description = $4, definition = $5, version = $6, updated_at = now()
          WHERE id = $1 AND workspace_id = $2`,
        [id, workspaceId, patch.name, patch.description, JSON.stringify(patch.definition), patch.version],
      );
    } catch (err) {
      if (isUniqueViolation(err, NAME_CONSTRAINT)) throw new ProtocolNameTakenError(patch.name);
      throw err;
    }
  }

  async delete(workspaceId: string, id: string, em: EntityManager): Promise<void> {
    await em.query(`DELETE FROM protocols WHERE id = $1 AND workspace_id = $2`, [id, workspaceId]);
  }

  async experimentCount(workspaceId: string, id: string, em: EntityManager): Promise<number> {
    const rows: Array<{ n: number }> = await em.query(
      `SELECT count(*)::int AS n FROM experiments WHERE protocol_id = $1 AND workspace_id = $2`,
      [id, workspaceId],
    );
    return rows[0].n;
  }

  /** Freezes the protocol's current version (call with it locked); answers the version number. */
  async freezeCurrentVersion(workspaceId: string, id: string, em: EntityManager): Promise<number> {
    const [row]: Array<{ version: number }> = await em.query(
      `WITH frozen AS (
         INSERT INTO protocol_versions (protocol_id, version, workspace_id, name, description, definition)
         SELECT id, version, workspace_id, name, description, definition FROM protocols
          WHERE id = $1 AND workspace_id = $2
         ON CONFLICT (protocol_id, version) DO NOTHING)
       SELECT version FROM protocols WHERE id = $1 AND workspace_id = $2`,
      [id, workspaceId],
    );
    return row.version;
  }

  async findVersion(
    workspaceId: string,
    protocolId: string,
    version: number,
    em?: EntityManager,
  ): Promise<ProtocolVersion | null> {
    const rows: ProtocolVersion[] = await (em ?? this.dataSource.manager).query(
      `SELECT ${VERSION_COLUMNS} FROM protocol_versions v
        WHERE v.protocol_id = $1 AND v.version = $2 AND v.workspace_id = $3`,
      [protocolId, version, workspaceId],
    );
    return rows[0] ?? null;
  }

  async listVersions(workspaceId: string, protocolId: string, page: PageRequest): Promise<[ProtocolVersion[], number]> {
    const [items, count] = await Promise.all([
      this.dataSource.query(
        `SELECT ${VERSION_COLUMNS} FROM protocol_versions v WHERE v.protocol_id = $1 AND v.workspace_id = $2
          ORDER BY v.version DESC LIMIT $3 OFFSET $4`,
        [protocolId, workspaceId, page.pageSize, (page.page - 1) * page.pageSize],
      ) as Promise<ProtocolVersion[]>,
      this.dataSource.query(
        `SELECT count(*)::int AS n FROM protocol_versions WHERE protocol_id = $1 AND workspace_id = $2`,
        [protocolId, workspaceId],
      ) as Promise<Array<{ n: number }>>,
    ]);
    return [items, count[0].n];
  }
}
