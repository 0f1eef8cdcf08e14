import { ValidationError } from '@labwire/core';
import { AlertRuleFields, AlertRuleInput, ruleFields } from '../../alert-rules/alert-rule-definition';
import { ALERT_KEY_PATTERN } from '../../alerts/alert.types';
import { AlertRuleIndexSignal } from '../../alert-rules/alert-rule-index-signal';
import { ExportLine } from '../export-format';
import {
  ExportContext,
  ImportContext,
  mapped,
  see,
  seen,
  sqlIso,
  sqlUuid,
  TransferKind,
  ValidationContext,
} from '../transfer-kind';
import { str } from './checks';
import { insertReturningId, writeEntities } from './entity-writer';

/** A rule's line as its definition (the shape of the API's create body), checked as create checks it. */
function definition(d: Record<string, unknown>): AlertRuleFields {
  return ruleFields(d as unknown as AlertRuleInput);
}

/**
 * Alert rules, in the shape of the API's create body: their scope (instrument, location) is remapped
 * to the imported rows, and the alert key to the key its alert config got (renamed on a conflict).
 * Their evaluation state is not exported: an imported rule starts idle. After an import the workers'
 * rule index is told (as after create), so they evaluate the new rules with their next readings.
 */
export class AlertRuleKind implements TransferKind {
  readonly include = 'alert-rules' as const;
  readonly types = ['alert-rule'] as const;

  constructor(private readonly signal: AlertRuleIndexSignal) {}

  async export(ctx: ExportContext): Promise<void> {
    const ranged = `r.condition IN ('outside', 'inside')`;
    await ctx.copyLines(
      `SELECT json_build_object('type', 'alert-rule', 'data', json_build_object('id', r.id, 'name', r.name,
         'description', r.description, 'kind', r.kind, 'enabled', r.enabled,
         'scope', json_build_object('instrumentId', r.instrument_id, 'instrumentType', r.instrument_type,
           'locationId', r.location_id),
         'metric', r.metric, 'condition', r.condition,
         'threshold', CASE WHEN ${ranged} THEN NULL ELSE r.threshold END,
         'range', CASE WHEN ${ranged} THEN json_build_object('low', r.low, 'high', r.high) END,
         'clearThreshold', CASE WHEN ${ranged} THEN NULL ELSE r.clear_threshold END,
         'clearRange', CASE WHEN ${ranged} AND r.clear_low IS NOT NULL AND r.clear_high IS NOT NULL
           THEN json_build_object('low', r.clear_low, 'high', r.clear_high) END,
         'forSeconds', r.for_seconds, 'clearForSeconds', r.clear_for_seconds, 'noDataSeconds', r.no_data_seconds,
         'priority', r.priority, 'alertKey', r.alert_key, 'createdAt', ${sqlIso('r.created_at')}))
         FROM alert_rules r WHERE r.workspace_id = ${sqlUuid(ctx.scope.workspaceId)} ORDER BY r.name, r.id`,
    );
  }

  validate(_type: string, d: Record<string, unknown>, line: number, ctx: ValidationContext): void {
    const idProblem = str(d, 'id');
    if (idProblem) ctx.error(line, `alert-rule: ${idProblem}`);
    if (!d.scope || typeof d.scope !== 'object') {
      ctx.error(line, 'alert-rule: scope must be an object');
      return;
    }
    const shape = [str(d, 'name'), str(d, 'alertKey', 100)].filter((p): p is string => p !== null);
    if (typeof d.alertKey === 'string' && !ALERT_KEY_PATTERN.test(d.alertKey)) {
      shape.push(`alertKey "${d.alertKey}" is not an alert key`);
    }
    for (const p of shape) ctx.error(line, `alert-rule: ${p}`);
    if (shape.length) return;
    try {
      definition(d);
    } catch (err) {
      // a field of the wrong type can make the definition's checks throw something else: still this line's error
      const details = err instanceof ValidationError ? (err.errors ?? []) : [];
      for (const e of details) ctx.error(line, `alert-rule: ${e.field} ${e.message}`);
      if (!details.length) ctx.error(line, `alert-rule: ${(err as Error).message}`);
    }
    const scope = d.scope as Record<string, unknown>;
    if (scope.instrumentId != null && !seen(ctx, 'instrument', scope.instrumentId)) {
      ctx.error(
        line,
        `alert-rule: scope.instrumentId ${String(scope.instrumentId)} is not an instrument of the document`,
      );
    }
    if (scope.locationId != null && !seen(ctx, 'location', scope.locationId)) {
      ctx.error(line, `alert-rule: scope.locationId ${String(scope.locationId)} is not a location of the document`);
    }
    if (typeof d.id === 'string') see(ctx, 'alert-rule', d.id);
  }

  async write(_type: string, batch: ExportLine[], ctx: ImportContext): Promise<number> {
    // the keys the document's configs became (renamed on a conflict), by target config id
    const configIds = [...new Set(batch.map((l) => mapped(ctx, 'alert-config-key', l.data.alertKey)))].filter(
      (id): id is string => id !== null,
    );
    const keys = new Map<string, string>();
    if (configIds.length) {
      const rows: Array<{ id: string; key: string }> = await ctx.dataSource.query(
        `SELECT id, key FROM alert_configs WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
        [ctx.workspaceId, configIds],
      );
      for (const r of rows) keys.set(r.id, r.key);
    }
    return writeEntities(
      ctx,
      {
        kind: 'alert-rule',
        renamable: false,
        unique: () => null,
        insert: (em, d) => {
          const scope = d.scope as Record<string, unknown>;
          const config = mapped(ctx, 'alert-config-key', d.alertKey);
          const f = definition({
            ...d,
            scope: {
              instrumentId: mapped(ctx, 'instrument', scope.instrumentId),
              instrumentType: scope.instrumentType ?? null,
              locationId: mapped(ctx, 'location', scope.locationId),
            },
            alertKey: (config && keys.get(config)) ?? d.alertKey,
          });
          return insertReturningId(
            em,
            `INSERT INTO alert_rules (workspace_id, name, description, kind, enabled, instrument_id, instrument_type,
               location_id, metric, condition, threshold, low, high, clear_threshold, clear_low, clear_high,
               for_seconds, clear_for_seconds, no_data_seconds, priority, alert_key, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
               now())
             RETURNING id`,
            [
              ctx.workspaceId,
              f.name,
              f.description,
              f.kind,
              f.enabled,
              f.instrumentId,
              f.instrumentType,
              f.locationId,
              f.metric,
              f.condition,
              f.threshold,
              f.low,
              f.high,
              f.clearThreshold,
              f.clearLow,
              f.clearHigh,
              f.forSeconds,
              f.clearForSeconds,
              f.noDataSeconds,
              f.priority,
              f.alertKey,
              // not the document's createdAt: a no-data rule counts its silence from its creation when its
              // instruments never reported, so an old document's rules would all fire at the first sweep
            ],
          );
        },
        existing: async () => null,
      },
      batch,
    );
  }

  /** The workers' rule index learns of the rules (also after a retried run that wrote them before dying). */
  async finish(ctx: ImportContext): Promise<void> {
    if (ctx.ids.get('alert-rule')?.size) await this.signal.changed();
  }
}
