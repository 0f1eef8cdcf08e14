import { EntityManager } from 'typeorm';
import { ExportLine } from '../export-format';
import {
  ExportContext,
  ImportConflict,
  ImportContext,
  mapped,
  see,
  seen,
  sqlIso,
  sqlUuid,
  TransferKind,
  unique,
  ValidationContext,
  madeIds,
} from '../transfer-kind';
import { conflictsByValue, num, obj, oneOf, str, strOrNull, time } from './checks';
import { insertReturningId, writeEntities, existingBy } from './entity-writer';

const STATUSES = ['active', 'maintenance', 'offline', 'retired'] as const;

/**
 * Instruments, unique by serial number. Their MQTT secrets are never exported: an imported instrument
 * has no broker credentials until they are rotated (the import's result lists them).
 */
export class InstrumentKind implements TransferKind {
  readonly include = 'instruments' as const;
  readonly types = ['instrument'] as const;

  async export(ctx: ExportContext): Promise<void> {
    // location ids only of locations in the document (a location not exported is left out)
    const locations = ctx.scope.include.includes('locations');
    await ctx.copyLines(
      `SELECT json_build_object('type', 'instrument', 'data', json_build_object('id', id,
         'locationId', ${locations ? 'location_id' : 'NULL::uuid'}, 'name', name, 'model', model,
         'manufacturer', manufacturer, 'serialNumber', serial_number, 'type', type, 'capabilities', capabilities,
         'status', status, 'notes', notes, 'lastCalibratedAt', ${sqlIso('last_calibrated_at')},
         'calibrationDueAt', ${sqlIso('calibration_due_at')}, 'expectedIntervalSeconds', expected_interval_seconds,
         'createdAt', ${sqlIso('created_at')}))
         FROM instruments WHERE workspace_id = ${sqlUuid(ctx.scope.workspaceId)} ORDER BY serial_number, id`,
    );
  }

  validate(_type: string, d: Record<string, unknown>, line: number, ctx: ValidationContext): void {
    const problems = [
      str(d, 'id'),
      str(d, 'name'),
      str(d, 'serialNumber'),
      strOrNull(d, 'model'),
      strOrNull(d, 'manufacturer'),
      strOrNull(d, 'type'),
      strOrNull(d, 'notes'),
      obj(d, 'capabilities'),
      oneOf(d, 'status', STATUSES),
      time(d, 'lastCalibratedAt'),
      time(d, 'calibrationDueAt'),
      d.expectedIntervalSeconds == null ? null : num(d, 'expectedIntervalSeconds', { integer: true, min: 1 }),
    ];
    for (const p of problems) if (p) ctx.error(line, `instrument: ${p}`);
    if (d.locationId != null && !seen(ctx, 'location', d.locationId)) {
      ctx.error(line, `instrument: locationId ${String(d.locationId)} is not a location of the document`);
    }
    if (typeof d.id === 'string') see(ctx, 'instrument', d.id);
    if (typeof d.serialNumber === 'string') unique(ctx, 'instrument', 'serialNumber', d.serialNumber, line);
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
      'instrument',
      'serialNumber',
      values.get('serialNumber'),
      'instruments',
      'serial_number',
    );
  }

  write(_type: string, batch: ExportLine[], ctx: ImportContext): Promise<number> {
    return writeEntities(
      ctx,
      {
        kind: 'instrument',
        renamable: true,
        unique: (d) => ({ field: 'serialNumber', value: String(d.serialNumber) }),
        insert: (em, d, serial) =>
          insertReturningId(
            em,
            `INSERT INTO instruments (workspace_id, location_id, name, model, manufacturer, serial_number, type,
               capabilities, status, notes, last_calibrated_at, calibration_due_at, expected_interval_seconds, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, COALESCE($14::timestamptz, now()))
             ON CONFLICT (workspace_id, serial_number) DO NOTHING RETURNING id`,
            [
              ctx.workspaceId,
              mapped(ctx, 'location', d.locationId),
              d.name,
              d.model ?? null,
              d.manufacturer ?? null,
              serial,
              d.type ?? null,
              JSON.stringify(d.capabilities ?? {}),
              d.status,
              d.notes ?? null,
              d.lastCalibratedAt ?? null,
              d.calibrationDueAt ?? null,
              d.expectedIntervalSeconds ?? null,
              d.createdAt ?? null,
            ],
          ),
        existing: existingBy(ctx, 'instruments', 'serial_number'),
      },
      batch,
    );
  }

  /** Every instrument this document made (this run or an earlier one) still needs credentials issued. */
  async finish(ctx: ImportContext): Promise<void> {
    const made = madeIds(ctx, 'instrument');
    if (!made.length) return;
    const rows: Array<{ id: string; serialNumber: string }> = await ctx.dataSource.query(
      `SELECT id, serial_number AS "serialNumber" FROM instruments WHERE workspace_id = $1 AND id = ANY($2::uuid[])
        ORDER BY serial_number`,
      [ctx.workspaceId, made],
    );
    ctx.instrumentsWithoutCredentials.push(...rows);
  }
}
