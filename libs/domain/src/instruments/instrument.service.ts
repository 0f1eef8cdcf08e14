import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Page, PageRequest, SortField, toPage, VersionMismatchError } from '@labwire/core';
import { Actor } from '../audit/actor';
import { changedFields, createdChanges, deletedChanges, effectivePatch } from '../audit/audit-changes';
import { AuditService } from '../audit/audit.service';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { Instrument, InstrumentStatus } from './instrument.entity';
import { InstrumentFields, InstrumentFilter, InstrumentRepository, InstrumentSortField } from './instrument.repository';
import { InstrumentNotFoundError, LocationNotFoundError } from './instruments.errors';
import { LocationRepository } from './location.repository';

export interface InstrumentInput {
  name: string;
  serialNumber: string;
  model?: string | null;
  manufacturer?: string | null;
  type?: string | null;
  capabilities?: Record<string, unknown>;
  status?: InstrumentStatus;
  locationId?: string | null;
  notes?: string | null;
  lastCalibratedAt?: Date | null;
  calibrationDueAt?: Date | null;
}

const AUDITED_FIELDS = [
  'name',
  'model',
  'manufacturer',
  'serialNumber',
  'type',
  'capabilities',
  'status',
  'locationId',
  'notes',
  'lastCalibratedAt',
  'calibrationDueAt',
] as const;

/** The instrument registry of a workspace, with optimistic concurrency on updates. */
@Injectable()
export class InstrumentService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly instruments: InstrumentRepository,
    private readonly locations: LocationRepository,
    private readonly audit: AuditService,
  ) {}

  async list(
    workspaceId: string,
    filter: InstrumentFilter,
    page: PageRequest,
    sort: SortField<InstrumentSortField>[],
  ): Promise<Page<Instrument>> {
    const [items, total] = await this.instruments.listInWorkspace(workspaceId, filter, page, sort);
    return toPage(items, total, page);
  }

  async get(workspaceId: string, id: string): Promise<Instrument> {
    const instrument = await this.instruments.findInWorkspace(workspaceId, id);
    if (!instrument) throw new InstrumentNotFoundError(id);
    return instrument;
  }

  async create(membership: WorkspaceMembership, input: InstrumentInput, actor: Actor): Promise<Instrument> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const fields: InstrumentFields = {
      name: input.name.trim(),
      serialNumber: input.serialNumber.trim(),
      model: input.model ?? null,
      manufacturer: input.manufacturer ?? null,
      type: input.type ?? null,
      capabilities: input.capabilities ?? {},
      status: input.status ?? 'active',
      locationId: input.locationId ?? null,
      notes: input.notes ?? null,
      lastCalibratedAt: input.lastCalibratedAt ?? null,
      calibrationDueAt: input.calibrationDueAt ?? null,
    };
    return this.dataSource.transaction(async (em) => {
      await this.assertLocation(workspaceId, fields.locationId, em);
      const instrument = await this.instruments.insert(workspaceId, fields, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'create',
        entityType: 'instrument',
        entityId: instrument.id,
        changes: createdChanges(instrument, AUDITED_FIELDS),
      });
      return instrument;
    });
  }

  /**
   * Applies a patch atomically: the row is locked, `expectedVersion` (from If-Match) checked, and the
   * UPDATE itself matches on the version it read, so of concurrent writers with the same version
   * exactly one wins and the others get VERSION_MISMATCH. A patch that changes nothing bumps nothing.
   */
  async update(
    membership: WorkspaceMembership,
    id: string,
    patch: Partial<InstrumentInput>,
    expectedVersion: number | undefined,
    actor: Actor,
  ): Promise<Instrument> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const clean: Partial<InstrumentFields> = { ...patch };
    if (patch.name !== undefined) clean.name = patch.name.trim();
    if (patch.serialNumber !== undefined) clean.serialNumber = patch.serialNumber.trim();
    return this.dataSource.transaction(async (em) => {
      const before = await this.instruments.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new InstrumentNotFoundError(id);
      if (expectedVersion !== undefined && expectedVersion !== before.version) {
        throw new VersionMismatchError('Instrument', before.version);
      }
      const changes = changedFields(before, clean);
      if (!Object.keys(changes).length) return before;
      const effective = effectivePatch(clean, changes);
      if (effective.locationId) await this.assertLocation(workspaceId, effective.locationId, em);
      const bump = await this.instruments.update(workspaceId, id, before.version, effective, em);
      if (!bump) throw new VersionMismatchError('Instrument', before.version);
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'instrument',
        entityId: id,
        changes,
      });
      return { ...before, ...effective, ...bump };
    });
  }

  async remove(membership: WorkspaceMembership, id: string, expectedVersion: number | undefined, actor: Actor) {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    await this.dataSource.transaction(async (em) => {
      const before = await this.instruments.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new InstrumentNotFoundError(id);
      if (expectedVersion !== undefined && expectedVersion !== before.version) {
        throw new VersionMismatchError('Instrument', before.version);
      }
      await this.instruments.delete(workspaceId, id, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'delete',
        entityType: 'instrument',
        entityId: id,
        changes: deletedChanges(before, AUDITED_FIELDS),
      });
    });
  }

  private async assertLocation(workspaceId: string, locationId: string | null, em: EntityManager): Promise<void> {
    if (locationId && !(await this.locations.existsInWorkspace(workspaceId, locationId, em))) {
      throw new LocationNotFoundError(locationId);
    }
  }
}
