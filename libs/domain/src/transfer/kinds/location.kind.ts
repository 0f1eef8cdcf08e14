import { EntityManager } from 'typeorm';
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
} from '../transfer-kind';
import { insertReturningId, writeEntities, existingBy } from './entity-writer';
import { conflictsByValue, str, strOrNull } from './checks';

/** Locations (rooms, labs), unique by name in a workspace. */
export class LocationKind implements TransferKind {
  readonly include = 'locations' as const;
  readonly types = ['location'] as const;

  async export(ctx: ExportContext): Promise<void> {
    await ctx.copyLines(
      `SELECT json_build_object('type', 'location', 'data', json_build_object('id', id, 'name', name,
         'description', description, 'address', address, 'createdAt', ${sqlIso('created_at')}))
         FROM locations WHERE workspace_id = ${sqlUuid(ctx.scope.workspaceId)} ORDER BY name, id`,
    );
  }

  validate(_type: string, data: Record<string, unknown>, line: number, ctx: ValidationContext): void {
    const problems = [str(data, 'id'), str(data, 'name'), strOrNull(data, 'description'), strOrNull(data, 'address')];
    for (const p of problems) if (p) ctx.error(line, `location: ${p}`);
    if (typeof data.id === 'string') see(ctx, 'location', data.id);
    if (typeof data.name === 'string') unique(ctx, 'location', 'name', data.name, line);
  }

  conflicts(
    workspaceId: string,
    document: string,
    values: Map<string, Map<string, number>>,
    em: EntityManager,
  ): Promise<ImportConflict[]> {
    return conflictsByValue(em, workspaceId, document, 'location', 'name', values.get('name'), 'locations', 'name');
  }

  write(_type: string, batch: ExportLine[], ctx: ImportContext): Promise<number> {
    return writeEntities(
      ctx,
      {
        kind: 'location',
        renamable: true,
        unique: (d) => ({ field: 'name', value: String(d.name) }),
        insert: (em, d, name) =>
          insertReturningId(
            em,
            `INSERT INTO locations (workspace_id, name, description, address, created_at)
           VALUES ($1, $2, $3, $4, COALESCE($5::timestamptz, now()))
           ON CONFLICT (workspace_id, name) DO NOTHING RETURNING id`,
            [ctx.workspaceId, name, d.description ?? null, d.address ?? null, d.createdAt ?? null],
          ),
        existing: existingBy(ctx, 'locations', 'name'),
      },
      batch,
    );
  }
}
