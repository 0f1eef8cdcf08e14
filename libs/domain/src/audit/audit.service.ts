import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Page, PageRequest, SortField, toPage } from '@labwire/core';
import { Actor } from './actor';
import { AuditAction, AuditChanges, AuditEntry } from './audit-entry.entity';
import { AuditEntityType } from './audit-entity-type';
import { AuditFilter, AuditRepository, AuditSortField } from './audit.repository';

export interface AuditEvent {
  action: AuditAction;
  entityType: AuditEntityType;
  entityId: string;
  changes: AuditChanges;
}

/** Records who changed what in a workspace, inside the transaction that makes the change. */
@Injectable()
export class AuditService {
  constructor(private readonly entries: AuditRepository) {}

  /** `actor.userId` null: no user acted (an instrument, a rule, the system). */
  async record(
    em: EntityManager,
    workspaceId: string,
    actor: Omit<Actor, 'userId'> & { userId: string | null },
    ...events: AuditEvent[]
  ): Promise<void> {
    await this.entries.insert(
      events.map((e) => ({
        workspaceId,
        actorUserId: actor.userId,
        actorApiKeyId: actor.apiKeyId ?? null,
        requestId: actor.requestId ?? null,
        ...e,
      })),
      em,
    );
  }

  async list(
    workspaceId: string,
    filter: AuditFilter,
    page: PageRequest,
    sort: SortField<AuditSortField>[],
  ): Promise<Page<AuditEntry>> {
    const [items, total] = await this.entries.listInWorkspace(workspaceId, filter, page, sort);
    return toPage(items, total, page);
  }
}
