import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { isForeignKeyViolation, isUniqueViolation } from '@labwire/database';
import { escapeLike } from '../identity/user.repository';
import { Instrument, InstrumentStatus } from './instrument.entity';
import { InstrumentSerialTakenError, LocationNotFoundError } from './instruments.errors';
import { VersionBump, versionedUpdate } from './versioned-update';

export interface InstrumentFilter {
  status?: InstrumentStatus;
  locationId?: string;
  type?: string;
  /** matches name, model or serial number, case-insensitively */
  q?: string;
}

export type InstrumentFields = Pick<
  Instrument,
  | 'name'
  | 'model'
  | 'manufacturer'
  | 'serialNumber'
  | 'type'
  | 'capabilities'
  | 'status'
  | 'locationId'
  | 'notes'
  | 'lastCalibratedAt'
  | 'calibrationDueAt'
  | 'expectedIntervalSeconds'
>;

export const INSTRUMENT_SORT_FIELDS = [
  'name',
  'serialNumber',
  'status',
  'createdAt',
  'updatedAt',
  'calibrationDueAt',
] as const;
export type InstrumentSortField = (typeof INSTRUMENT_SORT_FIELDS)[number];

const SORT_COLUMNS: Record<InstrumentSortField, string> = {
  name: 'name',
  serialNumber: 'serial_number',
  status: 'status',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  calibrationDueAt: 'calibration_due_at',
};

/** Columns aliased to the entity's property names, so rows need no mapping step. */
const COLUMNS = `id, workspace_id AS "workspaceId", location_id AS "locationId", name, model, manufacturer,
  serial_number AS "serialNumber", type, capabilities, status, notes, last_calibrated_at AS "lastCalibratedAt",
  calibration_due_at AS "calibrationDueAt", last_seen_at AS "lastSeenAt",
  expected_interval_seconds AS "expectedIntervalSeconds", connection_state AS "connectionState",
  state_changed_at AS "stateChangedAt", version, created_at AS "createdAt", updated_at AS "updatedAt"`;

const SERIAL_CONSTRAINT = 'UQ_instruments_workspace_serial';

/** Advisory lock key of the instrument registry vs. the broker's clients (any constant bigint; "lwbroker"). */
const BROKER_REGISTRY_LOCK = '7815540946577957746';

@Injectable()
export class InstrumentRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(em?: EntityManager) {
    return (em ?? this.dataSource.manager).getRepository(Instrument);
  }

  /** Throws InstrumentSerialTakenError on a duplicate serial, LocationNotFoundError if the location vanished. */
  async insert(workspaceId: string, data: InstrumentFields, em: EntityManager): Promise<Instrument> {
    const repo = this.repo(em);
    try {
      return await repo.save(repo.create({ ...data, workspaceId }));
    } catch (err) {
      throw this.translate(err, data);
    }
  }

  findInWorkspace(workspaceId: string, id: string): Promise<Instrument | null> {
    return this.repo().findOneBy({ workspaceId, id });
  }

  /**
   * Every instrument's id and status, across workspaces: the broker reconciliation compares them with
   * the broker's clients. Platform-level on purpose (the broker is shared by all workspaces).
   */
  listAllForBroker(em?: EntityManager): Promise<Array<Pick<Instrument, 'id' | 'status'>>> {
    return (em ?? this.dataSource.manager).query('SELECT id, status FROM instruments');
  }

  /** Reads and locks an instrument of any workspace (platform-level, for the broker reconciliation). */
  lockAnyForBroker(
    id: string,
    em: EntityManager,
  ): Promise<Pick<Instrument, 'id' | 'status' | 'workspaceId' | 'locationId' | 'capabilities'> | null> {
    return this.repo(em).findOne({
      select: ['id', 'status', 'workspaceId', 'locationId', 'capabilities'],
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /**
   * A transaction-scoped advisory lock on the registry as the broker sees it: creations and deletions
   * take it shared, the broker's orphan sweep exclusively, so the sweep never sees a client whose
   * instrument is being created (not yet committed) or misses one being deleted.
   */
  async lockRegistryForBroker(em: EntityManager, mode: 'shared' | 'exclusive'): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock${mode === 'shared' ? '_shared' : ''}($1)`, [BROKER_REGISTRY_LOCK]);
  }

  /** Ids of the workspace's instruments, locked until the transaction ends. */
  async lockIdsInWorkspace(workspaceId: string, em: EntityManager): Promise<string[]> {
    const rows: Array<{ id: string }> = await em.query(
      `SELECT id FROM instruments WHERE workspace_id = $1 ORDER BY id FOR UPDATE`,
      [workspaceId],
    );
    return rows.map((r) => r.id);
  }

  /** Reads and locks the instrument until the transaction ends. */
  lockInWorkspace(workspaceId: string, id: string, em: EntityManager): Promise<Instrument | null> {
    return this.repo(em).findOne({ where: { workspaceId, id }, lock: { mode: 'pessimistic_write' } });
  }

  /**
   * One page of instruments and the filtered total in a single statement (`count(*) OVER()`), rows
   * already shaped like the entity: this is the hottest read of the api.
   */
  async listInWorkspace(
    workspaceId: string,
    filter: InstrumentFilter,
    page: PageRequest,
    sort: SortField<InstrumentSortField>[],
  ): Promise<[Instrument[], number]> {
    const params: unknown[] = [workspaceId];
    const where = ['workspace_id = $1'];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filter.status) add((p) => `status = ${p}`, filter.status);
    if (filter.locationId) add((p) => `location_id = ${p}`, filter.locationId);
    if (filter.type) add((p) => `type = ${p}`, filter.type);
    if (filter.q) {
      add((p) => `(name ILIKE ${p} OR model ILIKE ${p} OR serial_number ILIKE ${p})`, `%${escapeLike(filter.q)}%`);
    }
    // Instruments without a due date sort last either way.
    const order = sort.map(
      (s) => `${SORT_COLUMNS[s.field]} ${s.direction}${s.field === 'calibrationDueAt' ? ' NULLS LAST' : ''}`,
    );
    order.push('id ASC');
    const whereSql = where.join(' AND ');
    params.push(page.pageSize, (page.page - 1) * page.pageSize);
    // One round trip: the page walks the (workspace_id, name) index and stops after pageSize rows,
    // the total is a separate count; a window count(*) OVER() would materialise every matching row.
    // The LEFT JOIN keeps the total when the page is past the end.
    const rows: Array<Instrument & { total: string }> = await this.dataSource.query(
      `WITH page AS (
         SELECT ${COLUMNS} FROM instruments WHERE ${whereSql}
          ORDER BY ${order.join(', ')} LIMIT $${params.length - 1} OFFSET $${params.length})
       SELECT c.total, page.* FROM (SELECT count(*) AS total FROM instruments WHERE ${whereSql}) c
         LEFT JOIN page ON true`,
      params,
    );
    const total = rows.length ? Number(rows[0].total) : 0;
    return [rows[0]?.id ? rows : [], total];
  }

  /** Applies the patch if the version still matches (see versionedUpdate). */
  async update(
    workspaceId: string,
    id: string,
    version: number,
    patch: Partial<InstrumentFields>,
    em: EntityManager,
  ): Promise<VersionBump | null> {
    try {
      return await versionedUpdate(em, Instrument, { workspaceId, id, version }, patch);
    } catch (err) {
      throw this.translate(err, patch);
    }
  }

  async delete(workspaceId: string, id: string, em: EntityManager): Promise<void> {
    await this.repo(em).delete({ workspaceId, id });
  }

  private translate(err: unknown, data: Partial<InstrumentFields>): unknown {
    if (isUniqueViolation(err, SERIAL_CONSTRAINT)) return new InstrumentSerialTakenError(data.serialNumber ?? '');
    if (isForeignKeyViolation(err) && data.locationId) return new LocationNotFoundError(data.locationId);
    return err;
  }
}
