import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest } from '@labwire/core';
import { ShareLink, ShareLinkKind, ShareLinkPermission } from './share-link';

const STATUS = `CASE WHEN l.revoked_at IS NOT NULL THEN 'revoked' WHEN l.expires_at <= now() THEN 'expired'
  WHEN l.max_uses IS NOT NULL AND l.uses >= l.max_uses THEN 'used_up' ELSE 'active' END`;
const COLUMNS = `l.id, l.workspace_id AS "workspaceId", l.kind, l.target_id AS "targetId", l.permission,
  l.token_prefix AS "tokenPrefix", l.expires_at AS "expiresAt", l.max_uses AS "maxUses", l.uses,
  l.last_used_at AS "lastUsedAt", l.revoked_at AS "revokedAt", ${STATUS} AS status, l.created_by AS "createdBy",
  l.created_at AS "createdAt"`;

export interface NewShareLink {
  kind: ShareLinkKind;
  targetId: string | null;
  permission: ShareLinkPermission;
  tokenHash: string;
  tokenPrefix: string;
  expiresAt: Date;
  maxUses: number | null;
  createdBy: string;
}

/** The `share_links` table: members' methods take the workspace id; `use` finds a link by its token's hash. */
@Injectable()
export class ShareLinkRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(workspaceId: string, link: NewShareLink, em: EntityManager): Promise<ShareLink> {
    const rows: ShareLink[] = await em.query(
      `INSERT INTO share_links AS l (workspace_id, kind, target_id, permission, token_hash, token_prefix, expires_at, max_uses, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [
        workspaceId,
        link.kind,
        link.targetId,
        link.permission,
        link.tokenHash,
        link.tokenPrefix,
        link.expiresAt,
        link.maxUses,
        link.createdBy,
      ],
    );
    return rows[0];
  }

  async findInWorkspace(workspaceId: string, id: string, em?: EntityManager): Promise<ShareLink | null> {
    const rows: ShareLink[] = await (em ?? this.dataSource.manager).query(
      `SELECT ${COLUMNS} FROM share_links l WHERE l.id = $1 AND l.workspace_id = $2`,
      [id, workspaceId],
    );
    return rows[0] ?? null;
  }

  async listInWorkspace(workspaceId: string, page: PageRequest): Promise<[ShareLink[], number]> {
    const rows: Array<ShareLink & { total: string }> = await this.dataSource.query(
      `SELECT ${COLUMNS}, count(*) OVER () AS total FROM share_links l WHERE l.workspace_id = $1
        ORDER BY l.created_at DESC, l.id LIMIT $2 OFFSET $3`,
      [workspaceId, page.pageSize, (page.page - 1) * page.pageSize],
    );
    let total = rows.length ? Number(rows[0].total) : 0;
    if (!rows.length && page.page > 1) {
      const [{ n }]: Array<{ n: number }> = await this.dataSource.query(
        `SELECT count(*)::int AS n FROM share_links WHERE workspace_id = $1`,
        [workspaceId],
      );
      total = n;
    }
    return [rows.map(({ total: _t, ...l }) => l as ShareLink), total];
  }

  /** Revokes an active link; answers it (revoked), or null when it is gone. Revoking twice keeps the first time. */
  async revoke(workspaceId: string, id: string, em: EntityManager): Promise<ShareLink | null> {
    await em.query(
      `UPDATE share_links SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 AND workspace_id = $2`,
      [id, workspaceId],
    );
    return this.findInWorkspace(workspaceId, id, em);
  }

  /**
   * Counts one use of the link whose token hashes to this, if it is usable (not revoked, not
   * expired, uses left), in one statement: concurrent uses never pass maxUses. Null otherwise.
   */
  async use(tokenHash: string, em: EntityManager): Promise<ShareLink | null> {
    const [rows]: [ShareLink[], number] = await em.query(
      `UPDATE share_links l SET uses = l.uses + 1, last_used_at = now()
        WHERE l.token_hash = $1 AND l.revoked_at IS NULL AND l.expires_at > now()
          AND (l.max_uses IS NULL OR l.uses < l.max_uses)
        RETURNING ${COLUMNS}`,
      [tokenHash],
    );
    return rows[0] ?? null;
  }

  /** Whether the thing a link shares exists in its workspace. */
  async targetExists(
    workspaceId: string,
    kind: ShareLinkKind,
    targetId: string | null,
    em?: EntityManager,
  ): Promise<boolean> {
    const manager = em ?? this.dataSource.manager;
    const sql: Record<ShareLinkKind, string> = {
      workspace: `SELECT 1 FROM workspaces WHERE id = $1`,
      datasource: `SELECT 1 FROM datasources WHERE workspace_id = $1 AND id = $2`,
      classification_scheme: `SELECT 1 FROM classification_schemes WHERE workspace_id = $1 AND id = $2`,
      classification_job: `SELECT 1 FROM jobs WHERE workspace_id = $1 AND id = $2 AND kind = 'classification.run'`,
    };
    const rows: unknown[] = await manager.query(
      sql[kind],
      kind === 'workspace' ? [workspaceId] : [workspaceId, targetId],
    );
    return rows.length > 0;
  }

  async nameOf(workspaceId: string, kind: ShareLinkKind, targetId: string | null): Promise<string> {
    const sql: Record<ShareLinkKind, string> = {
      workspace: `SELECT name FROM workspaces WHERE id = $1`,
      datasource: `SELECT name FROM datasources WHERE workspace_id = $1 AND id = $2`,
      classification_scheme: `SELECT name FROM classification_schemes WHERE workspace_id = $1 AND id = $2`,
      classification_job: `SELECT input ->> 'schemeName' AS name FROM jobs WHERE workspace_id = $1 AND id = $2`,
    };
    const rows: Array<{ name: string | null }> = await this.dataSource.query(
      sql[kind],
      kind === 'workspace' ? [workspaceId] : [workspaceId, targetId],
    );
    return rows[0]?.name ?? '';
  }

  /** The data sources a classification job's results are in (what importing the job brings along). */
  async jobDatasources(
    workspaceId: string,
    jobId: string,
  ): Promise<{ schemeId: string; datasourceIds: string[] } | null> {
    const rows: Array<{ schemeId: string; version: number }> = await this.dataSource.query(
      `SELECT input ->> 'schemeId' AS "schemeId", (input ->> 'schemeVersion')::int AS version FROM jobs
        WHERE workspace_id = $1 AND id = $2 AND kind = 'classification.run'`,
      [workspaceId, jobId],
    );
    if (!rows[0]) return null;
    const ds: Array<{ id: string }> = await this.dataSource.query(
      `SELECT DISTINCT datasource_id AS id FROM classification_results
        WHERE workspace_id = $1 AND scheme_id = $2 AND scheme_version = $3`,
      [workspaceId, rows[0].schemeId, rows[0].version],
    );
    return { schemeId: rows[0].schemeId, datasourceIds: ds.map((d) => d.id) };
  }
}
