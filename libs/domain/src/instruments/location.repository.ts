import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { isForeignKeyViolation, isUniqueViolation } from '@labwire/database';
import { escapeLike } from '../identity/user.repository';
import { LocationNameTakenError, LocationNotEmptyError } from './instruments.errors';
import { Location } from './location.entity';
import { VersionBump, versionedUpdate } from './versioned-update';

export interface LocationFilter {
  q?: string;
}

export type LocationFields = Pick<Location, 'name' | 'description' | 'address'>;

export const LOCATION_SORT_FIELDS = ['name', 'createdAt', 'updatedAt'] as const;
export type LocationSortField = (typeof LOCATION_SORT_FIELDS)[number];

const SORT_COLUMNS: Record<LocationSortField, string> = {
  name: 'name',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

const COLUMNS = `id, workspace_id AS "workspaceId", name, description, address, version, created_at AS "createdAt",
  updated_at AS "updatedAt"`;

const NAME_CONSTRAINT = 'UQ_locations_workspace_name';

@Injectable()
export class LocationRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(Location);
  }

  /** Throws LocationNameTakenError when the workspace has a location of that name. */
  async insert(workspaceId: string, data: LocationFields, em: EntityManager): Promise<Location> {
    const repo = this.repo(em);
    try {
      return await repo.save(repo.create({ ...data, workspaceId }));
    } catch (err) {
      if (isUniqueViolation(err, NAME_CONSTRAINT)) throw new LocationNameTakenError(data.name);
      throw err;
    }
  }

  findInWorkspace(workspaceId: string, id: string): Promise<Location | null> {
    return this.repo().findOneBy({ workspaceId, id });
  }

  /** Reads and locks the location: concurrent writers, and instruments moving into it, wait. */
  lockInWorkspace(workspaceId: string, id: string, em: EntityManager): Promise<Location | null> {
    return this.repo(em).findOne({ where: { workspaceId, id }, lock: { mode: 'pessimistic_write' } });
  }

  async existsInWorkspace(workspaceId: string, id: string, em: EntityManager): Promise<boolean> {
    const rows: unknown[] = await em.query('SELECT 1 FROM locations WHERE id = $1 AND workspace_id = $2', [
      id,
      workspaceId,
    ]);
    return rows.length > 0;
  }

  /** One page and the total in one query. */
  async listInWorkspace(
    workspaceId: string,
    filter: LocationFilter,
    page: PageRequest,
    sort: SortField<LocationSortField>[],
  ): Promise<[Location[], number]> {
    const params: unknown[] = [workspaceId];
    let where = 'workspace_id = $1';
    if (filter.q) {
      params.push(`%${escapeLike(filter.q)}%`);
      where += ` AND (name ILIKE $2 OR address ILIKE $2 OR description ILIKE $2)`;
    }
    const order = [...sort.map((s) => `${SORT_COLUMNS[s.field]} ${s.direction}`), 'id ASC'].join(', ');
    params.push(page.pageSize, (page.page - 1) * page.pageSize);
    const rows: Array<Location & { total: string }> = await this.dataSource.query(
      `SELECT ${COLUMNS}, count(*) OVER() AS total FROM locations WHERE ${where}
        ORDER BY ${order} LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    if (rows.length || page.page === 1) return [rows, rows.length ? Number(rows[0].total) : 0];
    const count: Array<{ total: string }> = await this.dataSource.query(
      `SELECT count(*) AS total FROM locations WHERE ${where}`,
      params.slice(0, -2),
    );
    return [[], Number(count[0].total)];
  }

  /** Applies the patch if the version still matches; throws LocationNameTakenError on a duplicate name. */
  async update(
    workspaceId: string,
    id: string,
    version: number,
    patch: Partial<LocationFields>,
    em: EntityManager,
  ): Promise<VersionBump | null> {
    try {
      return await versionedUpdate(em, Location, { workspaceId, id, version }, patch);
    } catch (err) {
      if (isUniqueViolation(err, NAME_CONSTRAINT)) throw new LocationNameTakenError(patch.name ?? '');
      throw err;
    }
  }

  async countInstruments(workspaceId: string, id: string, em: EntityManager): Promise<number> {
    const rows: Array<{ n: number }> = await em.query(
      'SELECT count(*)::int AS n FROM instruments WHERE workspace_id = $1 AND location_id = $2',
      [workspaceId, id],
    );
    return rows[0].n;
  }

  /** Throws LocationNotEmptyError if an instrument still points at it. */
  async delete(workspaceId: string, id: string, em: EntityManager): Promise<void> {
    try {
      await em.query('DELETE FROM locations WHERE id = $1 AND workspace_id = $2', [id, workspaceId]);
    } catch (err) {
      // The transaction is aborted by now, so count outside it.
      if (isForeignKeyViolation(err)) {
        throw new LocationNotEmptyError(await this.countInstruments(workspaceId, id, this.dataSource.manager));
      }
      throw err;
    }
  }
}
