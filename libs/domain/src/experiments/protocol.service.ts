import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Page, PageRequest, SortField, toPage, ValidationError } from '@labwire/core';
import { Actor } from '../audit/actor';
import { changedFields, createdChanges, deletedChanges } from '../audit/audit-changes';
import { AuditService } from '../audit/audit.service';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { ProtocolInUseError, ProtocolNotFoundError, ProtocolVersionNotFoundError } from './experiments.errors';
import { Protocol, ProtocolVersion } from './protocol';
import { normaliseProtocolDefinition, ProtocolDefinitionInput } from './protocol-definition';
import { ProtocolFilter, ProtocolRepository, ProtocolSortField } from './protocol.repository';

export interface ProtocolInput extends ProtocolDefinitionInput {
  name: string;
  description?: string | null;
}

/** An update: fields left out stay; roles, parameters and steps are replaced whole. */
export type ProtocolUpdate = Partial<ProtocolInput>;

const MAX_INT4 = 2_147_483_647;
const AUDITED = ['name', 'description', 'definition', 'version'] as const;
const audited = (p: Protocol) => ({
  name: p.name,
  description: p.description,
  definition: p.definition,
  version: p.version,
});

/**
 * Protocols: roles, parameters and steps. Editors write, viewers read. Editing a protocol whose
 * current version an experiment uses makes a new version (the used one stays, frozen, for its
 * experiments); an unused version is edited in place.
 */
@Injectable()
export class ProtocolService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly protocols: ProtocolRepository,
    private readonly audit: AuditService,
  ) {}

  async list(
    workspaceId: string,
    filter: ProtocolFilter,
    page: PageRequest,
    sort: SortField<ProtocolSortField>[],
  ): Promise<Page<Protocol>> {
    const [items, total] = await this.protocols.listInWorkspace(workspaceId, filter, page, sort);
    return toPage(items, total, page);
  }

  async get(workspaceId: string, id: string): Promise<Protocol> {
    const protocol = await this.protocols.findInWorkspace(workspaceId, id);
    if (!protocol) throw new ProtocolNotFoundError(id);
    return protocol;
  }

  async create(membership: WorkspaceMembership, input: ProtocolInput, actor: Actor): Promise<Protocol> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const definition = normaliseProtocolDefinition(definitionPart(input));
    return this.dataSource.transaction(async (em) => {
      const protocol = await this.protocols.insert(
        workspaceId,
        {
          name: input.name.trim(),
          description: input.description?.trim() || null,
          definition,
          createdBy: actor.userId,
        },
        em,
      );
      await this.audit.record(em, workspaceId, actor, {
        action: 'create',
        entityType: 'protocol',
        entityId: protocol.id,
        changes: createdChanges(audited(protocol), AUDITED),
      });
      return protocol;
    });
  }

  async update(membership: WorkspaceMembership, id: string, update: ProtocolUpdate, actor: Actor): Promise<Protocol> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const nulls = (['name', 'roles', 'steps'] as const).filter((key) => update[key] === null);
    if (nulls.length) {
      throw new ValidationError(
        `${nulls.join(', ')} cannot be null`,
        nulls.map((field) => ({ field, message: 'must not be null (leave it out to keep it)' })),
      );
    }
    return this.dataSource.transaction(async (em) => {
      const before = await this.protocols.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new ProtocolNotFoundError(id);
      const current = before.definition;
      const definition = normaliseProtocolDefinition({
        requireQualified: update.requireQualified ?? current.requireQualified,
        roles: update.roles ?? current.roles,
        parameters: update.parameters ?? current.parameters,
        steps: update.steps ?? current.steps,
        abortCommand: update.abortCommand === undefined ? current.abortCommand : update.abortCommand,
      });
      const name = update.name != null ? update.name.trim() : before.name;
      const description = update.description !== undefined ? update.description?.trim() || null : before.description;
      const changes = changedFields(
        { name: before.name, description: before.description, definition: current },
        { name, description, definition },
      );
      if (!Object.keys(changes).length) return before;
      const version = before.versionFrozen ? before.version + 1 : before.version;
      await this.protocols.update(workspaceId, id, { name, description, definition, version }, em);
      const after = (await this.protocols.findInWorkspace(workspaceId, id, em)) as Protocol;
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'protocol',
        entityId: id,
        changes: changedFields(audited(before), audited(after)),
      });
      return after;
    });
  }

  /** Deletes a protocol no experiment uses (experiments keep the version they ran). */
  async remove(membership: WorkspaceMembership, id: string, actor: Actor): Promise<void> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    await this.dataSource.transaction(async (em) => {
      const before = await this.protocols.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new ProtocolNotFoundError(id);
      const used = await this.protocols.experimentCount(workspaceId, id, em);
      if (used) throw new ProtocolInUseError(used);
      await this.protocols.delete(workspaceId, id, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'delete',
        entityType: 'protocol',
        entityId: id,
        changes: deletedChanges(audited(before), AUDITED),
      });
    });
  }

  async versions(workspaceId: string, id: string, page: PageRequest): Promise<Page<ProtocolVersion>> {
    await this.get(workspaceId, id);
    const [items, total] = await this.protocols.listVersions(workspaceId, id, page);
    return toPage(items, total, page);
  }

  async version(workspaceId: string, id: string, version: number): Promise<ProtocolVersion> {
    await this.get(workspaceId, id);
    if (!Number.isInteger(version) || version < 1 || version > MAX_INT4) {
      throw new ProtocolVersionNotFoundError(id, version);
    }
    const found = await this.protocols.findVersion(workspaceId, id, version);
    if (!found) throw new ProtocolVersionNotFoundError(id, version);
    return found;
  }
}

function definitionPart(input: ProtocolInput): ProtocolDefinitionInput {
  const { name: _name, description: _description, ...definition } = input;
  return definition;
}
