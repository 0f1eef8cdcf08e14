import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Page, PageRequest, SortField, toPage } from '@labwire/core';
import { OBJECT_STORAGE, ObjectStorage } from '@labwire/providers';
import { Actor } from '../audit/actor';
import { changedFields, createdChanges, effectivePatch } from '../audit/audit-changes';
import { AuditService } from '../audit/audit.service';
import { AuthInvalidator } from '../identity/auth-invalidator';
import { inBatches, InstrumentBrokerSync } from '../instruments/instrument-broker-sync';
import { InstrumentRepository } from '../instruments/instrument.repository';
import { WorkspaceMemberRepository } from './workspace-member.repository';
import { assertWorkspaceRole, WorkspaceMembership } from './workspace-membership';
import { WorkspaceFilter, WorkspaceRepository, WorkspaceSortField, WorkspaceView } from './workspace.repository';
import { WorkspaceNotFoundError } from './workspaces.errors';

export interface WorkspaceInput {
  name: string;
  description?: string | null;
  /** days of telemetry kept (1–36500) */
  telemetryRetentionDays?: number;
}

const AUDITED_FIELDS = ['name', 'description', 'telemetryRetentionDays'] as const;

/** Workspaces: the tenant boundary every lab resource lives in. */
@Injectable()
export class WorkspaceService {
  private readonly logger = new Logger('Workspaces');

  constructor(
    private readonly dataSource: DataSource,
    private readonly workspaces: WorkspaceRepository,
    private readonly members: WorkspaceMemberRepository,
    private readonly audit: AuditService,
    private readonly authCache: AuthInvalidator,
    @Optional() private readonly instruments?: InstrumentRepository,
    @Optional() private readonly broker?: InstrumentBrokerSync,
    @Optional() @Inject(OBJECT_STORAGE) private readonly storage?: ObjectStorage,
  ) {}

  /** Creates a workspace with the caller as its first owner. */
  async create(input: WorkspaceInput, actor: Actor): Promise<WorkspaceView> {
    const workspace = await this.dataSource.transaction(async (em) => {
      const created = await this.workspaces.insert(
        {
          name: input.name.trim(),
          description: input.description ?? null,
          createdBy: actor.userId,
          ...(input.telemetryRetentionDays !== undefined && { telemetryRetentionDays: input.telemetryRetentionDays }),
        },
        em,
      );
      await this.members.insert(created.id, actor.userId, 'owner', em);
      await this.audit.record(
        em,
        created.id,
        actor,
        {
          action: 'create',
          entityType: 'workspace',
          entityId: created.id,
          changes: createdChanges(created, AUDITED_FIELDS),
        },
        { action: 'create', entityType: 'member', entityId: actor.userId, changes: { role: { to: 'owner' } } },
      );
      return created;
    });
    return { ...workspace, role: 'owner' };
  }

  async listMine(
    userId: string,
    filter: WorkspaceFilter,
    page: PageRequest,
    sort: SortField<WorkspaceSortField>[],
  ): Promise<Page<WorkspaceView>> {
    const [items, total] = await this.workspaces.listForUser(userId, filter, page, sort);
    return toPage(items, total, page);
  }

  async get(membership: WorkspaceMembership): Promise<WorkspaceView> {
    const workspace = await this.workspaces.findById(membership.workspaceId);
    if (!workspace) throw new WorkspaceNotFoundError(membership.workspaceId);
    return { ...workspace, role: membership.role };
  }

  /** Renames or re-describes a workspace (editors and owners). */
  async update(membership: WorkspaceMembership, patch: Partial<WorkspaceInput>, actor: Actor): Promise<WorkspaceView> {
    assertWorkspaceRole(membership, 'editor');
    // Shortening retention deletes history for good: as destructive as deleting, so owners only.
    if (patch.telemetryRetentionDays !== undefined) assertWorkspaceRole(membership, 'owner');
    const { workspaceId } = membership;
    const clean = { ...patch, ...(patch.name !== undefined ? { name: patch.name.trim() } : {}) };
    await this.dataSource.transaction(async (em) => {
      const before = await this.workspaces.findByIdForUpdate(workspaceId, em);
      if (!before) throw new WorkspaceNotFoundError(workspaceId);
      const changes = changedFields(before, clean);
      if (!Object.keys(changes).length) return;
      await this.workspaces.update(workspaceId, effectivePatch(clean, changes), em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'workspace',
        entityId: workspaceId,
        changes,
      });
    });
    return this.get(membership);
  }

  /**
   * Deletes a workspace and everything in it (owners only). Its audit log goes with it, so the
   * deletion itself is recorded in the application log.
   */
  async remove(membership: WorkspaceMembership, actor: Actor): Promise<void> {
    assertWorkspaceRole(membership, 'owner');
    const { workspaceId } = membership;
    let storedIds: string[] = [];
    const deleted = await this.dataSource.transaction(async (em) => {
      const before = await this.workspaces.findByIdForUpdate(workspaceId, em);
      if (!before) throw new WorkspaceNotFoundError(workspaceId);
      if (this.storage) storedIds = await this.workspaces.datasourceIdsIn(workspaceId, em);
      // Its instruments go with it (cascade), so their broker clients go too, before commit: a broker
      // failure rolls the deletion back rather than leaving logins that outlive their instruments.
      const { broker, instruments } = this;
      let instrumentIds: string[] = [];
      if (broker && instruments) {
        await instruments.lockRegistryForBroker(em, 'shared');
        instrumentIds = await instruments.lockIdsInWorkspace(workspaceId, em);
      }
      await this.workspaces.delete(workspaceId, em);
      if (broker) await inBatches(instrumentIds, (id) => broker.remove(id));
      return before;
    });
    // Every member's cached role in it is void now.
    await this.authCache.invalidateAll();
    // Uploaded files live outside the database: they go once their rows are gone (a file left behind
    // is garbage, logged; a row without its file would be broken).
    const storage = this.storage;
    if (storage) {
      await inBatches(storedIds, (id) =>
        storage.delete({ workspaceId, id }).catch((err: Error) => {
          this.logger.warn(
            `workspace ${workspaceId}: the stored file of data source ${id} was not removed: ${err.message}`,
          );
        }),
      );
    }
    this.logger.log(
      {
        workspaceId,
        name: deleted.name,
        actorUserId: actor.userId,
        actorApiKeyId: actor.apiKeyId ?? null,
        requestId: actor.requestId ?? null,
      },
      'workspace deleted',
    );
  }
}
