import { TelemetryWriter } from '../../telemetry/telemetry-writer';
import { ExportLine } from '../export-format';
import {
  ExportContext,
  ImportContext,
  isSkipped,
  mapped,
  seen,
  sqlUuid,
  TransferKind,
  ValidationContext,
} from '../transfer-kind';
import { num, str, time } from './checks';

/**
 * An optional window of telemetry readings of the document's instruments. Imported readings are
 * stored like a backfill (idempotent on instrument, metric and time; readings older than any
 * workspace keeps, or far ahead, are not stored).
 */
export class TelemetryKind implements TransferKind {
  readonly include = 'telemetry' as const;
  readonly types = ['telemetry'] as const;

  constructor(private readonly writer: TelemetryWriter) {}

  async export(ctx: ExportContext): Promise<void> {
    const window = ctx.scope.telemetry;
    if (!window) return;
    const only = window.instrumentIds?.length ? ` AND i.id IN (${window.instrumentIds.map(sqlUuid).join(', ')})` : '';
    await ctx.copyLines(
      `SELECT json_build_object('type', 'telemetry', 'data', json_build_object('instrumentId', t.instrument_id,
         'time', to_char(t.time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'metric', t.metric,
         'value', t.value, 'tags', t.tags))
         FROM telemetry t JOIN instruments i ON i.id = t.instrument_id
        WHERE i.workspace_id = ${sqlUuid(ctx.scope.workspaceId)}${only}
          AND t.time >= '${window.from.toISOString()}'::timestamptz AND t.time < '${window.to.toISOString()}'::timestamptz
        ORDER BY i.serial_number, t.metric, t.time`,
    );
  }

  validate(_type: string, d: Record<string, unknown>, line: number, ctx: ValidationContext): void {
    const problems = [
      seen(ctx, 'instrument', d.instrumentId) ? null : 'instrumentId is not an instrument of the document',
      time(d, 'time', true),
      str(d, 'metric', 200),
      num(d, 'value'),
    ];
    for (const p of problems) if (p) ctx.error(line, `telemetry: ${p}`);
  }

  async write(_type: string, batch: ExportLine[], ctx: ImportContext): Promise<number> {
    const readings = batch
      .map((l) => l.data)
      .filter((d) => !isSkipped(ctx, 'instrument', d.instrumentId))
      .map((d) => ({
        time: new Date(String(d.time)),
        instrumentId: mapped(ctx, 'instrument', d.instrumentId) as string,
        metric: String(d.metric),
        value: Number(d.value),
        tags: (d.tags as Record<string, unknown> | null) ?? null,
      }));
    if (!readings.length) return 0;
    const result = await this.writer.store(readings);
    return result.inserted;
  }
}
