import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Page, PageRequest, SortField, toPage, VersionMismatchError } from '@labwire/core';
import { Actor } from '../audit/actor';
import { changedFields, createdChanges, deletedChanges, effectivePatch } from '../audit/audit-changes';
import { AuditService } from '../audit/audit.service';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { LocationNotEmptyError, LocationNotFoundError } from './instruments.errors';
import { Location } from './location.entity';
import { LocationFields, LocationFilter, LocationRepository, LocationSortField } from './location.repository';

export interface LocationInput {
  name: string;
  description?: string | null;
  address?: string | null;
}

const AUDITED_FIELDS = ['name', 'description', 'address'] as const;

/** Where instruments are: rooms, benches, sites. Names are unique in a workspace. */
@Injectable()
export class LocationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly locations: LocationRepository,
    private readonly audit: AuditService,
  ) {}

  async list(
    workspaceId: string,
    filter: LocationFilter,
    page: PageRequest,
    sort: SortField<LocationSortField>[],
  ): Promise<Page<Location>> {
    const [items, total] = await this.locations.listInWorkspace(workspaceId, filter, page, sort);
    return toPage(items, total, page);
  }

  async get(workspaceId: string, id: string): Promise<Location> {
    const location = await this.locations.findInWorkspace(workspaceId, id);
    if (!location) throw new LocationNotFoundError(id);
    return location;
  }

  async create(membership: WorkspaceMembership, input: LocationInput, actor: Actor): Promise<Location> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const fields: LocationFields = {
      name: input.name.trim(),
      description: input.description ?? null,
      address: input.address ?? null,
    };
    return this.dataSource.transaction(async (em) => {
      const location = await this.locations.insert(workspaceId, fields, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'create',
        entityType: 'location',
        entityId: location.id,
        changes: createdChanges(location, AUDITED_FIELDS),
      });
      return location;
    });
  }

  /** Applies a patch; with `expectedVersion` (If-Match) a stale version is refused. */
  async update(
    membership: WorkspaceMembership,
    id: string,
    patch: Partial<LocationInput>,
    expectedVersion: number | undefined,
    actor: Actor,
  ): Promise<Location> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const clean: Partial<LocationFields> = {
      ...patch,
      ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
    };
    return this.dataSource.transaction(async (em) => {
      const before = await this.locations.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new LocationNotFoundError(id);
      if (expectedVersion !== undefined && expectedVersion !== before.version) {
        throw new VersionMismatchError('Location', before.version);
      }
      const changes = changedFields(before, clean);
      if (!Object.keys(changes).length) return before;
      const effective = effectivePatch(clean, changes);
      const bump = await this.locations.update(workspaceId, id, before.version, effective, em);
      if (!bump) throw new VersionMismatchError('Location', before.version);
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'location',
        entityId: id,
        changes,
      });
      return { ...before, ...effective, ...bump };
    });
  }

  /** Deletes an empty location; one that still holds instruments is refused with their count. */
  async remove(membership: WorkspaceMembership, id: string, actor: Actor): Promise<void> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    await this.dataSource.transaction(async (em) => {
      const before = await this.locations.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new LocationNotFoundError(id);
      const held = await this.locations.countInstruments(workspaceId, id, em);
      if (held > 0) throw new LocationNotEmptyError(held);
      await this.locations.delete(workspaceId, id, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'delete',
        entityType: 'location',
        entityId: id,
        changes: deletedChanges(before, AUDITED_FIELDS),
      });
    });
  }
}
