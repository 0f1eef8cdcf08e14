import { EntityManager } from 'typeorm';
import { ALERT_COLOR_PATTERN, ALERT_EFFECTS, ALERT_KEY_PATTERN } from '../../alerts/alert.types';
import { ExportLine } from '../export-format';
import {
  ExportContext,
  ImportConflict,
  ImportContext,
  mapped,
  remember,
  see,
  seen,
  sqlIso,
  sqlUuid,
  TransferKind,
  unique,
  ValidationContext,
} from '../transfer-kind';
import { conflictsByValue, num, obj, oneOf, str, strOrNull } from './checks';
import { insertReturningId, writeEntities, existingBy } from './entity-writer';

const MAX_SECONDS = 365 * 86400;

/** "key-imported", "key-imported-2", …: a rename that is still an alert key (at most 100 characters). */
export function renamedKey(key: string, attempt: number): string {
  const tail = attempt === 1 ? '-imported' : `-imported-${attempt}`;
  return `${key.slice(0, 100 - tail.length).replace(/[._-]+$/, '')}${tail}`;
}

/**
 * Alert configs, unique by key. Their notification channels are remapped to the channels the import
 * wrote (or, on skip, found). A renamed key (`key-imported`) is what the document's alert rules then
 * raise (the ledger kind `alert-config-key` maps a document key to the config it became).
 */
export class AlertConfigKind implements TransferKind {
  readonly include = 'alert-configs' as const;
  readonly types = ['alert-config'] as const;

  async export(ctx: ExportContext): Promise<void> {
    // channel ids only of channels in the document
    const channels = ctx.scope.include.includes('notification-channels');
    await ctx.copyLines(
      `SELECT json_build_object('type', 'alert-config', 'data', json_build_object('id', id, 'key', key, 'name', name,
         'description', description, 'defaultPriority', default_priority,
         'display', json_build_object('color', display_color, 'effect', display_effect),
         'autoResolveAfterSeconds', auto_resolve_after_seconds, 'escalateAfterSeconds', escalate_after_seconds,
         'notificationChannelIds', ${channels ? 'notification_channel_ids' : `'{}'::uuid[]`},
         'notifyMinPriority', notify_min_priority, 'createdAt', ${sqlIso('created_at')}))
         FROM alert_configs WHERE workspace_id = ${sqlUuid(ctx.scope.workspaceId)} ORDER BY key, id`,
    );
  }

  validate(_type: string, d: Record<string, unknown>, line: number, ctx: ValidationContext): void {
    const problems = [
      str(d, 'id'),
      str(d, 'key', 100),
      str(d, 'name'),
      strOrNull(d, 'description'),
      num(d, 'defaultPriority', { integer: true, min: 1, max: 5 }),
      num(d, 'notifyMinPriority', { integer: true, min: 1, max: 5 }),
      obj(d, 'display'),
    ];
    if (typeof d.key === 'string' && !ALERT_KEY_PATTERN.test(d.key))
      problems.push(`key "${d.key}" is not an alert key`);
    const display = (d.display ?? {}) as Record<string, unknown>;
    if (typeof display.color !== 'string' || !ALERT_COLOR_PATTERN.test(display.color)) {
      problems.push('display.color must be a named colour or #RRGGBB');
    }
    const effect = oneOf(display, 'effect', ALERT_EFFECTS);
    if (effect) problems.push(`display.${effect}`);
    for (const field of ['autoResolveAfterSeconds', 'escalateAfterSeconds']) {
      if (d[field] != null) problems.push(num(d, field, { integer: true, min: 1, max: MAX_SECONDS }));
    }
    if (!Array.isArray(d.notificationChannelIds)) problems.push('notificationChannelIds must be an array');
    else {
      for (const id of d.notificationChannelIds as unknown[]) {
        if (!seen(ctx, 'notification-channel', id)) {
          problems.push(`notificationChannelIds: ${String(id)} is not a notification channel of the document`);
        }
      }
    }
    for (const p of problems) if (p) ctx.error(line, `alert-config: ${p}`);
    if (typeof d.id === 'string') see(ctx, 'alert-config', d.id);
    if (typeof d.key === 'string') {
      see(ctx, 'alert-config-key', d.key);
      unique(ctx, 'alert-config', 'key', d.key, line);
    }
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
      'alert-config',
      'key',
      values.get('key'),
      'alert_configs',
      'key',
    );
  }

  async write(_type: string, batch: ExportLine[], ctx: ImportContext): Promise<number> {
    const written = await writeEntities(
      ctx,
      {
        kind: 'alert-config',
        renamable: true,
        rename: renamedKey,
        unique: (d) => ({ field: 'key', value: String(d.key) }),
        insert: (em, d, key) => {
          const display = d.display as { color: string; effect: string };
          const channels = (d.notificationChannelIds as string[])
            .map((id) => mapped(ctx, 'notification-channel', id))
            .filter((id): id is string => id !== null);
          return insertReturningId(
            em,
            `INSERT INTO alert_configs (workspace_id, key, name, description, default_priority, display_color,
               display_effect, auto_resolve_after_seconds, escalate_after_seconds, notification_channel_ids,
               notify_min_priority, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::uuid[], $11, COALESCE($12::timestamptz, now()))
             ON CONFLICT (workspace_id, key) DO NOTHING RETURNING id`,
            [
              ctx.workspaceId,
              key,
              d.name,
              d.description ?? null,
              d.defaultPriority,
              display.color,
              display.effect,
              d.autoResolveAfterSeconds ?? null,
              d.escalateAfterSeconds ?? null,
              [...new Set(channels)],
              d.notifyMinPriority,
              d.createdAt ?? null,
            ],
          );
        },
        existing: existingBy(ctx, 'alert_configs', 'key'),
      },
      batch,
    );
    // document key → the config it became, for the rules that raise it
    for (const { data } of batch) {
      const target = mapped(ctx, 'alert-config', data.id);
      if (target) remember(ctx, 'alert-config-key', String(data.key), target);
    }
    return written;
  }
}
