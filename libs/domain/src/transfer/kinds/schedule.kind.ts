import { DomainError, ValidationError } from '@labwire/core';
import { SCHEDULE_KINDS, ScheduleConfig, ScheduleKind } from '../../schedules/schedule';
import { ScheduleConfigCheck } from '../../schedules/schedule-config-check';
import { ScheduleSync } from '../../schedules/schedule-sync';
import { checkTiming } from '../../schedules/schedule-timing';
import { ScheduleLimitReachedError } from '../../schedules/schedules.errors';
import { ExportLine } from '../export-format';
import {
  ExportContext,
  ImportContext,
  mapped,
  see,
  seen,
  sqlIso,
  TransferKind,
  ValidationContext,
} from '../transfer-kind';
import { oneOf, str, time } from './checks';
import { writeEntities } from './entity-writer';

interface ScheduleRow {
  id: string;
  name: string;
  kind: ScheduleKind;
  config: Record<string, unknown>;
  cron: string | null;
  timezone: string | null;
  intervalMs: number | null;
  startAt: string | null;
  endAt: string | null;
  enabled: boolean;
  createdAt: string;
}

/** The ids a schedule's config names, by the document type they must be of. */
function references(config: Record<string, unknown>): Array<{ field: string; type: string; id: unknown }> {
  const refs: Array<{ field: string; type: string; id: unknown }> = [];
  if (config.datasourceId != null)
    refs.push({ field: 'config.datasourceId', type: 'datasource', id: config.datasourceId });
  if (config.schemeId != null)
    refs.push({ field: 'config.schemeId', type: 'classification-scheme', id: config.schemeId });
  if (Array.isArray(config.instrumentIds)) {
    config.instrumentIds.forEach((id, i) => refs.push({ field: `config.instrumentIds[${i}]`, type: 'instrument', id }));
  }
  return refs;
}

/**
 * Schedules: name, kind, config and timing. Their run state, suspension and creator are not exported.
 * An imported schedule runs as the user who imported it, with its data source, scheme and instruments
 * remapped, and is written **paused** (`enabled: false`; the result lists them): nothing starts running
 * in the target workspace until an editor resumes it. A schedule whose config names a data source,
 * scheme or instrument the document does not hold is left out of the export (an instrument list keeps
 * the instruments it holds).
 */
export class ScheduleTransferKind implements TransferKind {
  readonly include = 'schedules' as const;
  readonly types = ['schedule'] as const;

  constructor(
    private readonly configs: ScheduleConfigCheck,
    private readonly sync: ScheduleSync,
    private readonly limits: { maxPerWorkspace: number; minIntervalMs: number },
  ) {}

  async export(ctx: ExportContext): Promise<void> {
    const rows = await ctx.query<ScheduleRow>(
      `SELECT id, name, kind, config, cron, timezone, interval_ms::float8 AS "intervalMs",
              ${sqlIso('start_at')} AS "startAt", ${sqlIso('end_at')} AS "endAt", enabled,
              ${sqlIso('created_at')} AS "createdAt"
         FROM schedules WHERE workspace_id = $1 ORDER BY created_at, id`,
      [ctx.scope.workspaceId],
    );
    const instruments = ctx.scope.include.includes('instruments')
      ? new Set(
          (
            await ctx.query<{ id: string }>(`SELECT id FROM instruments WHERE workspace_id = $1`, [
              ctx.scope.workspaceId,
            ])
          ).map((r) => r.id),
        )
      : new Set<string>();
    const held: Record<string, Set<string>> = {
      datasource: ctx.written.get('datasource') ?? new Set(),
      'classification-scheme': ctx.written.get('classification-scheme') ?? new Set(),
      instrument: instruments,
    };
    for (const row of rows) {
      const config = { ...row.config };
      if (Array.isArray(config.instrumentIds)) {
        config.instrumentIds = (config.instrumentIds as string[]).filter((id) => instruments.has(id));
        if (!(config.instrumentIds as string[]).length) continue;
      }
      if (references(config).some((r) => !held[r.type].has(String(r.id)))) continue;
      await ctx.writer.line({ type: 'schedule', data: { ...row, config } });
    }
  }

  validate(_type: string, d: Record<string, unknown>, line: number, ctx: ValidationContext): void {
    const problems = [
      str(d, 'id'),
      str(d, 'name', 200),
      oneOf(d, 'kind', SCHEDULE_KINDS),
      time(d, 'startAt'),
      time(d, 'endAt'),
    ];
    if (typeof d.enabled !== 'boolean') problems.push('enabled must be a boolean');
    if (!d.config || typeof d.config !== 'object' || Array.isArray(d.config)) problems.push('config must be an object');
    for (const p of problems) if (p) ctx.error(line, `schedule: ${p}`);
    if (!problems.some(Boolean)) {
      try {
        checkTiming(
          {
            cron: d.cron as string | null,
            timezone: d.timezone as string | null,
            intervalMs: d.intervalMs as number | null,
            startAt: d.startAt ? new Date(String(d.startAt)) : null,
            endAt: d.endAt ? new Date(String(d.endAt)) : null,
          },
          this.limits.minIntervalMs,
        );
      } catch (err) {
        const details = err instanceof ValidationError ? (err.errors ?? []) : [];
        for (const e of details) ctx.error(line, `schedule: ${e.field} ${e.message}`);
        if (!details.length) ctx.error(line, `schedule: ${(err as Error).message}`);
      }
      // the config's shape as create checks it (URLs included); its ids are checked against the document below
      const kind = d.kind as ScheduleKind;
      const raw = d.config as unknown as ScheduleConfig;
      ctx.defer(async () => {
        try {
          await this.configs.check('', kind, raw, { references: false });
        } catch (err) {
          const details = err instanceof ValidationError ? (err.errors ?? []) : [];
          for (const e of details) ctx.error(line, `schedule: ${e.field} ${e.message}`);
          if (!details.length) ctx.error(line, `schedule: ${(err as Error).message}`);
        }
      });
      for (const ref of references(d.config as Record<string, unknown>)) {
        if (!seen(ctx, ref.type, ref.id)) {
          ctx.error(line, `schedule: ${ref.field} ${String(ref.id)} is not a ${ref.type} of the document`);
        }
      }
    }
    if (typeof d.id === 'string') see(ctx, 'schedule', d.id);
  }

  write(_type: string, batch: ExportLine[], ctx: ImportContext): Promise<number> {
    return writeEntities(
      ctx,
      {
        kind: 'schedule',
        renamable: false,
        unique: () => null,
        insert: async (em, d) => {
          const limit = this.limits.maxPerWorkspace;
          await em.query(`SELECT pg_advisory_xact_lock(hashtext('schedules:' || $1::text))`, [ctx.workspaceId]);
          const count: Array<{ n: number }> = await em.query(
            `SELECT count(*)::int AS n FROM schedules WHERE workspace_id = $1`,
            [ctx.workspaceId],
          );
          if (count[0].n >= limit) throw new ScheduleLimitReachedError(limit);
          const config = this.remap(d.config as Record<string, unknown>, ctx);
          // checked as create checks it, against the rows the import wrote
          let checked: ScheduleConfig;
          try {
            checked = await this.configs.check(
              ctx.workspaceId,
              d.kind as ScheduleKind,
              config as unknown as ScheduleConfig,
            );
          } catch (err) {
            if (err instanceof DomainError) {
              throw new ValidationError(`schedule "${String(d.name)}": ${err.message}`, err.errors);
            }
            throw err;
          }
          const rows: Array<{ id: string }> = await em.query(
            `INSERT INTO schedules (workspace_id, name, kind, config, cron, timezone, interval_ms, start_at, end_at,
               anchor_at, enabled, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE($8::timestamptz, now()), false, $10,
               COALESCE($11::timestamptz, now()))
             RETURNING id`,
            [
              ctx.workspaceId,
              String(d.name).trim(),
              d.kind,
              JSON.stringify(checked),
              d.cron ?? null,
              d.cron != null ? (d.timezone ?? 'UTC') : null,
              d.intervalMs ?? null,
              d.startAt ?? null,
              d.endAt ?? null,
              ctx.actor.userId,
              d.createdAt ?? null,
            ],
          );
          return rows[0].id;
        },
        existing: async () => null,
      },
      batch,
    );
  }

  /** Lists the schedules this document made (all paused) and lets the worker's reconciliation see them. */
  async finish(ctx: ImportContext): Promise<void> {
    const made = [...(ctx.ids.get('schedule') ?? new Map<string, string>()).values()];
    if (!made.length) return;
    const rows: Array<{ id: string; name: string; enabled: boolean }> = await ctx.dataSource.query(
      `SELECT id, name, enabled FROM schedules WHERE workspace_id = $1 AND id = ANY($2::uuid[]) ORDER BY name, id`,
      [ctx.workspaceId, made],
    );
    for (const row of rows) {
      if (row.enabled) continue; // resumed since an earlier run of this import: the resume synced it
      ctx.schedulesPaused.push({ id: row.id, name: row.name });
      // as after create: the scheduler set is synced with the row (paused: none, a stale one removed)
      await this.sync.syncOne(row.id, null);
    }
  }

  private remap(config: Record<string, unknown>, ctx: ImportContext): Record<string, unknown> {
    const out = { ...config };
    if (out.datasourceId != null) out.datasourceId = mapped(ctx, 'datasource', out.datasourceId);
    if (out.schemeId != null) out.schemeId = mapped(ctx, 'classification-scheme', out.schemeId);
    if (Array.isArray(out.instrumentIds))
      out.instrumentIds = out.instrumentIds.map((id) => mapped(ctx, 'instrument', id));
    return out;
  }
}
