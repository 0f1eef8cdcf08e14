import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { AuditAction, AuditChanges, AuditEntry } from './audit-entry.entity';
import { AuditEntityType } from './audit-entity-type';

export interface AuditFilter {
  entityType?: AuditEntityType;
  entityId?: string;
  actorUserId?: string;
  action?: AuditAction;
}

export const AUDIT_SORT_FIELDS = ['createdAt'] as const;
export type AuditSortField = (typeof AUDIT_SORT_FIELDS)[number];

export interface NewAuditEntry {
  workspaceId: string;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  requestId: string | null;
  action: AuditAction;
  entityType: AuditEntityType;
  entityId: string;
  changes: AuditChanges;
}

const COLUMNS = `id, workspace_id AS "workspaceId", actor_user_id AS "actorUserId", actor_api_key_id AS "actorApiKeyId",
  action, entity_type AS "entityType", entity_id AS "entityId", changes, request_id AS "requestId",
  created_at AS "createdAt"`;

@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Always inside the caller's transaction, so the entry exists exactly when the change does. */
  async insert(entries: NewAuditEntry[], em: EntityManager): Promise<void> {
    if (!entries.length) return;
    await em.query(
      `INSERT INTO audit_entries
         (workspace_id, actor_user_id, actor_api_key_id, request_id, action, entity_type, entity_id, changes)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::uuid[],
                            $8::jsonb[])`,
      [
        entries.map((e) => e.workspaceId),
        entries.map((e) => e.actorUserId),
        entries.map((e) => e.actorApiKeyId),
        entries.map((e) => e.requestId),
        entries.map((e) => e.action),
        entries.map((e) => e.entityType),
        entries.map((e) => e.entityId),
        entries.map((e) => JSON.stringify(e.changes)),
      ],
    );
  }

  /** One page of a workspace's log plus the total, in one query. */
  async listInWorkspace(
    workspaceId: string,
    filter: AuditFilter,
    page: PageRequest,
    sort: SortField<AuditSortField>[],
  ): Promise<[AuditEntry[], number]> {
    const params: unknown[] = [workspaceId];
    const where = ['workspace_id = $1'];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.entityType) add('entity_type = ?', filter.entityType);
    if (filter.entityId) add('entity_id = ?', filter.entityId);
    if (filter.actorUserId) add('actor_user_id = ?', filter.actorUserId);
    if (filter.action) add('action = ?', filter.action);
    const direction = sort[0]?.direction === 'ASC' ? 'ASC' : 'DESC';
    params.push(page.pageSize, (page.page - 1) * page.pageSize);
    const rows: Array<AuditEntry & { total: string }> = await this.dataSource.query(
      `SELECT ${COLUMNS}, count(*) OVER() AS total FROM audit_entries
        WHERE ${where.join(' AND ')}
        ORDER BY created_at ${direction}, id ${direction}
        LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    if (rows.length) return [rows, Number(rows[0].total)];
    if (page.page === 1) return [[], 0];
    const count: Array<{ total: string }> = await this.dataSource.query(
      `SELECT count(*) AS total FROM audit_entries WHERE ${where.join(' AND ')}`,
      params.slice(0, -2),
    );
    return [[], Number(count[0].total)];
  }
}
