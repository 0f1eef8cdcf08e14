import { EntityManager } from 'typeorm';
import { NotificationChannelService } from '../../notifications/notification-channel.service';
import { ExportLine } from '../export-format';
import {
  ExportContext,
  ImportConflict,
  ImportContext,
  see,
  sqlIso,
  sqlUuid,
  TransferKind,
  unique,
  ValidationContext,
  madeIds,
} from '../transfer-kind';
import { conflictsByValue, oneOf, str, strOrNull } from './checks';
import { insertReturningId, writeEntities, existingBy } from './entity-writer';

const KINDS = ['webhook', 'email'] as const;
const MAX_RECIPIENTS = 20;

/**
 * Notification channels (unique by name), without their secrets: a webhook's signing secret (nor its
 * ciphertext) is never in a document. An imported webhook channel gets a new secret, generated and
 * stored encrypted as on create, that nobody has seen: it is imported disabled (the result lists it)
 * until an editor rotates its secret and enables it. Email channels keep their `enabled`. Webhook URLs
 * pass the checks of create (scheme, credentials, the SSRF guard); one that fails is an error of its line.
 */
export class NotificationChannelKind implements TransferKind {
  readonly include = 'notification-channels' as const;
  readonly types = ['notification-channel'] as const;

  constructor(private readonly channels: NotificationChannelService) {}

  async export(ctx: ExportContext): Promise<void> {
    await ctx.copyLines(
      `SELECT json_build_object('type', 'notification-channel', 'data', json_build_object('id', id, 'name', name,
         'description', description, 'kind', kind, 'url', url, 'recipients', recipients, 'enabled', enabled,
         'createdAt', ${sqlIso('created_at')}))
         FROM notification_channels WHERE workspace_id = ${sqlUuid(ctx.scope.workspaceId)} ORDER BY name, id`,
    );
  }

  validate(_type: string, d: Record<string, unknown>, line: number, ctx: ValidationContext): void {
    const problems = [str(d, 'id'), str(d, 'name', 200), strOrNull(d, 'description'), oneOf(d, 'kind', KINDS)];
    if (typeof d.enabled !== 'boolean') problems.push('enabled must be a boolean');
    if ('secret' in d || 'secretCiphertext' in d) problems.push('a channel line carries no secret');
    if (d.kind === 'webhook') {
      if (typeof d.url !== 'string' || !d.url) problems.push('url is required for a webhook channel');
      if (d.recipients != null) problems.push('recipients are only for email channels');
    } else if (d.kind === 'email') {
      if (d.url != null) problems.push('url is only for webhook channels');
      const list = d.recipients;
      if (
        !Array.isArray(list) ||
        !list.length ||
        list.some((r) => typeof r !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(r))
      ) {
        problems.push('recipients must be a non-empty array of email addresses');
      } else if (list.length > MAX_RECIPIENTS) problems.push(`recipients has more than ${MAX_RECIPIENTS} addresses`);
    }
    for (const p of problems) if (p) ctx.error(line, `notification-channel: ${p}`);
    if (d.kind === 'webhook' && typeof d.url === 'string' && d.url) {
      const url = d.url;
      ctx.defer(async () => {
        const problem = await this.channels.webhookUrlProblem(url);
        if (problem) ctx.error(line, `notification-channel: url ${problem}`);
      });
    }
    if (typeof d.id === 'string') see(ctx, 'notification-channel', d.id);
    if (typeof d.name === 'string') unique(ctx, 'notification-channel', 'name', d.name, line);
  }

  conflicts(
    workspaceId: string,
    document: string,
    values: Map<string, Map<string, number>>,
    em: EntityManager,
  ): Promise<ImportConflict[]> {
    return conflictsByValue(
      em,
      workspaceId,
      document,
      'notification-channel',
      'name',
      values.get('name'),
      'notification_channels',
      'name',
    );
  }

  write(_type: string, batch: ExportLine[], ctx: ImportContext): Promise<number> {
    return writeEntities(
      ctx,
      {
        kind: 'notification-channel',
        renamable: true,
        unique: (d) => ({ field: 'name', value: String(d.name) }),
        insert: (em, d, name) => {
          const webhook = d.kind === 'webhook';
          return insertReturningId(
            em,
            `INSERT INTO notification_channels (workspace_id, name, description, kind, url, recipients,
               secret_ciphertext, enabled, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE($10::timestamptz, now()))
             ON CONFLICT (workspace_id, name) DO NOTHING RETURNING id`,
            [
              ctx.workspaceId,
              name,
              d.description ?? null,
              d.kind,
              webhook ? d.url : null,
              webhook ? null : (d.recipients as string[]).map((r) => r.trim().toLowerCase()),
              webhook ? this.channels.sealedNewSecret() : null,
              webhook ? false : d.enabled,
              ctx.actor.userId,
              d.createdAt ?? null,
            ],
          );
        },
        existing: existingBy(ctx, 'notification_channels', 'name'),
      },
      batch,
    );
  }

  /** Every webhook channel this document made (this run or an earlier one) that is still disabled. */
  async finish(ctx: ImportContext): Promise<void> {
    const made = madeIds(ctx, 'notification-channel');
    if (!made.length) return;
    const rows: Array<{ id: string; name: string }> = await ctx.dataSource.query(
      `SELECT id, name FROM notification_channels
        WHERE workspace_id = $1 AND id = ANY($2::uuid[]) AND kind = 'webhook' AND NOT enabled ORDER BY name`,
      [ctx.workspaceId, made],
    );
    ctx.webhooksToRotate.push(...rows);
  }
}
