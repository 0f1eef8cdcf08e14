import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Page, PageRequest, toPage, ValidationError } from '@labwire/core';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { randomToken, sha256 } from '../identity/secret-tokens';
import { ExportInclude, ExportScope } from '../transfer/export-format';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { SHARE_LINK_MAX_DAYS, ShareLink, ShareLinkKind, ShareLinkPermission } from './share-link';
import { ShareLinkRepository } from './share-link.repository';
import { ShareLinkNotFoundError } from './sharing.errors';

export interface NewShareLinkRequest {
  kind: ShareLinkKind;
  targetId?: string | null;
  permission: ShareLinkPermission;
  expiresAt: Date;
  maxUses?: number | null;
}

/** A new link and its token: the token is in no other answer (only its hash is kept). */
export interface CreatedShareLink {
  link: ShareLink;
  token: string;
}

/** A link being used, and what it grants: the scope of its reads and of its export document. */
export interface SharedGrant {
  link: ShareLink;
  scope: Omit<ExportScope, 'telemetry'>;
}

const TOKEN_PREFIX = 'lwsh_';
const DAY_MS = 86_400_000;
/**
 * What a workspace import link carries: everything an export can but telemetry and notification
 * channels. A link's token is a bearer secret that may be forwarded; a webhook URL often is a
 * credential itself (chat services' incoming-webhook URLs) and recipients are people's addresses, so
 * neither leaves through a link. Alert configs come without their channels.
 */
const WORKSPACE_INCLUDES: ExportInclude[] = [
  'locations',
  'instruments',
  'alert-configs',
  'alert-rules',
  'classification-schemes',
  'datasources',
  'classification-jobs',
  'schedules',
];

/**
 * Share links of a workspace: created (editors; a whole workspace: owners), listed, revoked, and
 * used by anyone holding the token. Every use is counted (at most maxUses) and audited.
 */
@Injectable()
export class ShareLinkService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly links: ShareLinkRepository,
    private readonly audit: AuditService,
  ) {}

  async create(membership: WorkspaceMembership, request: NewShareLinkRequest, actor: Actor): Promise<CreatedShareLink> {
    assertWorkspaceRole(membership, request.kind === 'workspace' ? 'owner' : 'editor');
    const { workspaceId } = membership;
    const now = Date.now();
    const errors: Array<{ field: string; message: string }> = [];
    if (request.expiresAt.getTime() <= now) errors.push({ field: 'expiresAt', message: 'must be in the future' });
    if (request.expiresAt.getTime() > now + SHARE_LINK_MAX_DAYS * DAY_MS) {
      errors.push({ field: 'expiresAt', message: `must be at most ${SHARE_LINK_MAX_DAYS} days from now` });
    }
    const targetId = request.kind === 'workspace' ? null : (request.targetId ?? null);
    if (request.kind !== 'workspace' && !targetId)
      errors.push({ field: 'targetId', message: `is required for a ${request.kind} link` });
    if (errors.length) throw new ValidationError('The share link is not valid', errors);
    if (!(await this.links.targetExists(workspaceId, request.kind, targetId))) {
      throw new ValidationError('The shared item is not in this workspace', [
        { field: 'targetId', message: `no ${request.kind} ${targetId} in this workspace` },
      ]);
    }
    const token = TOKEN_PREFIX + randomToken(32);
    const link = await this.dataSource.transaction(async (em) => {
      const created = await this.links.insert(
        workspaceId,
        {
          kind: request.kind,
          targetId,
          permission: request.permission,
          tokenHash: sha256(token),
          tokenPrefix: token.slice(0, TOKEN_PREFIX.length + 6),
          expiresAt: request.expiresAt,
          maxUses: request.maxUses ?? null,
          createdBy: actor.userId,
        },
        em,
      );
      await this.audit.record(em, workspaceId, actor, {
        action: 'create',
        entityType: 'share_link',
        entityId: created.id,
        changes: {
          kind: { to: created.kind },
          targetId: { to: created.targetId },
          permission: { to: created.permission },
          expiresAt: { to: created.expiresAt },
          maxUses: { to: created.maxUses },
        },
      });
      return created;
    });
    return { link, token };
  }

  async list(workspaceId: string, page: PageRequest): Promise<Page<ShareLink>> {
    const [items, total] = await this.links.listInWorkspace(workspaceId, page);
    return toPage(items, total, page);
  }

  async get(workspaceId: string, id: string): Promise<ShareLink> {
    const link = await this.links.findInWorkspace(workspaceId, id);
    if (!link) throw new ShareLinkNotFoundError(id);
    return link;
  }

  /** Revokes a link (editors): its token answers 404 from now on. Revoking a revoked link changes nothing. */
  async revoke(membership: WorkspaceMembership, id: string, actor: Actor): Promise<ShareLink> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    return this.dataSource.transaction(async (em) => {
      const before = await this.links.findInWorkspace(workspaceId, id, em);
      if (!before) throw new ShareLinkNotFoundError(id);
      const after = (await this.links.revoke(workspaceId, id, em)) as ShareLink;
      if (!before.revokedAt) {
        await this.audit.record(em, workspaceId, actor, {
          action: 'update',
          entityType: 'share_link',
          entityId: id,
          changes: { revokedAt: { from: null, to: after.revokedAt } },
        });
      }
      return after;
    });
  }

  /**
   * One use of a token: counted and audited if the link is usable and what it shares still exists;
   * otherwise ShareLinkNotFoundError, the same for every reason. `permission: 'import'` also needs
   * an import link.
   */
  async use(token: string, purpose: { permission: ShareLinkPermission; requestId?: string }): Promise<SharedGrant> {
    if (typeof token !== 'string' || !token.startsWith(TOKEN_PREFIX) || token.length > 200) {
      throw new ShareLinkNotFoundError();
    }
    const link = await this.dataSource.transaction(async (em) => {
      const used = await this.links.use(sha256(token), em);
      if (!used) return null;
      if (purpose.permission === 'import' && used.permission !== 'import') return null;
      if (!(await this.links.targetExists(used.workspaceId, used.kind, used.targetId, em))) return null;
      await this.audit.recordAnonymous(
        em,
        used.workspaceId,
        {
          action: 'update',
          entityType: 'share_link',
          entityId: used.id,
          changes: { uses: { from: used.uses - 1, to: used.uses }, purpose: { to: purpose.permission } },
        },
        purpose.requestId,
      );
      return used;
    });
    if (!link) throw new ShareLinkNotFoundError();
    return { link, scope: await this.scopeOf(link) };
  }

  /** The name of what a link shares: the workspace's, the data source's, the scheme's (a job: its scheme's). */
  nameOf(link: ShareLink): Promise<string> {
    return this.links.nameOf(link.workspaceId, link.kind, link.targetId);
  }

  /** What a link grants, as an export scope (reads are limited to the same items). */
  private async scopeOf(link: ShareLink): Promise<SharedGrant['scope']> {
    const workspaceId = link.workspaceId;
    const id = link.targetId as string;
    switch (link.kind) {
      case 'workspace':
        return { workspaceId, include: WORKSPACE_INCLUDES };
      case 'datasource':
        return { workspaceId, include: ['datasources'], datasourceIds: [id] };
      case 'classification_scheme':
        return { workspaceId, include: ['classification-schemes'], schemeIds: [id] };
      case 'classification_job': {
        const job = await this.links.jobDatasources(workspaceId, id);
        if (!job) throw new ShareLinkNotFoundError();
        return {
          workspaceId,
          include: ['classification-schemes', 'datasources', 'classification-jobs'],
          schemeIds: [job.schemeId],
          datasourceIds: job.datasourceIds,
          classificationJobIds: [id],
        };
      }
    }
  }
}
