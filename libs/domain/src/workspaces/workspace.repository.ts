import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { escapeLike } from '../identity/user.repository';
import { WorkspaceRole } from './workspace-member.entity';
import { Workspace } from './workspace.entity';

export interface WorkspaceFilter {
  q?: string;
}

/** A workspace as one of its members sees it: with their role. */
export type WorkspaceView = Workspace & { role: WorkspaceRole };

export const WORKSPACE_SORT_FIELDS = ['name', 'createdAt', 'updatedAt'] as const;
export type WorkspaceSortField = (typeof WORKSPACE_SORT_FIELDS)[number];

const SORT_COLUMNS: Record<WorkspaceSortField, string> = {
  name: 'w.name',
  createdAt: 'w.created_at',
  updatedAt: 'w.updated_at',
};

const COLUMNS = `w.id, w.name, w.description, w.created_by AS "createdBy",
  w.telemetry_retention_days AS "telemetryRetentionDays", w.created_at AS "createdAt", w.updated_at AS "updatedAt"`;

@Injectable()
export class WorkspaceRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(Workspace);
  }

  insert(
    data: Pick<Workspace, 'name' | 'description' | 'createdBy'> & Partial<Pick<Workspace, 'telemetryRetentionDays'>>,
    em: EntityManager,
  ): Promise<Workspace> {
    const repo = this.repo(em);
    return repo.save(repo.create(data));
  }

  findById(workspaceId: string, em?: EntityManager): Promise<Workspace | null> {
    return this.repo(em).findOneBy({ id: workspaceId });
  }

  /** Locks the workspace row for the rest of the transaction. */
  async findByIdForUpdate(workspaceId: string, em: EntityManager): Promise<Workspace | null> {
    const rows: Workspace[] = await em.query(`SELECT ${COLUMNS} FROM workspaces w WHERE w.id = $1 FOR UPDATE`, [
      workspaceId,
    ]);
    return rows[0] ?? null;
  }

  /** The workspaces a user belongs to, with their role: one page and the total in one query. */
  async listForUser(
    userId: string,
    filter: WorkspaceFilter,
    page: PageRequest,
    sort: SortField<WorkspaceSortField>[],
  ): Promise<[WorkspaceView[], number]> {
    const params: unknown[] = [userId];
    let where = '';
    if (filter.q) {
      params.push(`%${escapeLike(filter.q)}%`);
      where = `WHERE w.name ILIKE $${params.length}`;
    }
    const order = [...sort.map((s) => `${SORT_COLUMNS[s.field]} ${s.direction}`), 'w.id ASC'].join(', ');
    params.push(page.pageSize, (page.page - 1) * page.pageSize);
    const rows: Array<WorkspaceView & { total: string }> = await this.dataSource.query(
      `SELECT ${COLUMNS}, m.role, count(*) OVER() AS total
         FROM workspaces w JOIN workspace_members m ON m.workspace_id = w.id AND m.user_id = $1
         ${where}
        ORDER BY ${order}
        LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    if (rows.length || page.page === 1) return [rows, rows.length ? Number(rows[0].total) : 0];
    const count: Array<{ total: string }> = await this.dataSource.query(
      `SELECT count(*) AS total
         FROM workspaces w JOIN workspace_members m ON m.workspace_id = w.id AND m.user_id = $1 ${where}`,
      params.slice(0, -2),
    );
    return [[], Number(count[0].total)];
  }

  async update(
    workspaceId: string,
    patch: Partial<Pick<Workspace, 'name' | 'description' | 'telemetryRetentionDays'>>,
    em: EntityManager,
  ): Promise<void> {
    await this.repo(em).update({ id: workspaceId }, patch);
  }

  /** Its data sources' ids, which name their files in object storage (rows cascade; files do not). */
  async datasourceIdsIn(workspaceId: string, em: EntityManager): Promise<string[]> {
    const rows: Array<{ id: string }> = await em.query(`SELECT id FROM datasources WHERE workspace_id = $1`, [
      workspaceId,
    ]);
    return rows.map((r) => r.id);
  }

  /** Deletes the workspace; members, locations, instruments and its audit log go with it. */
  async delete(workspaceId: string, em: EntityManager): Promise<void> {
    await this.repo(em).delete({ id: workspaceId });
  }
}
