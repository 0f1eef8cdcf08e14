import { EntityManager } from 'typeorm';
import { ExportLine } from '../export-format';
import { ImportConflictError } from '../transfer.errors';
import { ImportContext, remember, renamedValue } from '../transfer-kind';

/** How one entity with a unique value is written: its insert (null on a unique clash) and the row it clashes with. */
export interface EntityInsert {
  /** the ledger kind */
  kind: string;
  /** the unique value and its field, for conflicts and renames; null when the entity has none */
  unique(data: Record<string, unknown>): { field: string; value: string } | null;
  /** `value`: the unique value to write (renamed on a retry); answers the new id or null on a clash */
  insert(em: EntityManager, data: Record<string, unknown>, value: string | null): Promise<string | null>;
  /** the id of the row holding the unique value */
  existing(em: EntityManager, value: string): Promise<string | null>;
  /** whether a renamed value may be tried (a checksum cannot be renamed: rename means skip) */
  renamable: boolean;
  /** the value a rename tries (default "name (imported)", "name (imported 2)", …) */
  rename?(value: string, attempt: number): string;
}

const MAX_RENAMES = 100;

/**
 * `EntityInsert.existing` for an entity unique by one column in the workspace (`table` and `column`
 * are this module's constants, never input; `andWhere` narrows further).
 */
export function existingBy(ctx: ImportContext, table: string, column: string, andWhere = '') {
  return async (em: EntityManager, value: string): Promise<string | null> => {
    const rows: Array<{ id: string }> = await em.query(
      `SELECT id FROM ${table} WHERE workspace_id = $1 AND ${column} = $2${andWhere}`,
      [ctx.workspaceId, value],
    );
    return rows[0]?.id ?? null;
  };
}

/**
 * Writes a batch of entities in one transaction with their ledger rows: those the ledger knows are
 * only mapped; a unique clash follows the import's policy (skip: map to the existing row; rename:
 * "name (imported)"; fail: IMPORT_CONFLICT). Answers how many rows were written.
 */
export async function writeEntities(
  ctx: ImportContext,
  spec: EntityInsert,
  batch: ExportLine[],
  afterEach?: (em: EntityManager, data: Record<string, unknown>, id: string) => Promise<void>,
): Promise<number> {
  return ctx.dataSource.transaction(async (em) => {
    const known = await ctx.ledger.lookup(
      em,
      spec.kind,
      batch.map((l) => String(l.data.id)),
    );
    let written = 0;
    for (const { data } of batch) {
      const sourceId = String(data.id);
      const entry = known.get(sourceId);
      if (entry) {
        remember(ctx, spec.kind, sourceId, entry.target, entry.skipped);
        continue;
      }
      const unique = spec.unique(data);
      let id = await spec.insert(em, data, unique?.value ?? null);
      let skipped = false;
      if (!id && unique) {
        if (ctx.onConflict === 'fail') throw new ImportConflictError(spec.kind, unique.field, unique.value);
        if (ctx.onConflict === 'rename' && spec.renamable) {
          for (let attempt = 1; !id && attempt <= MAX_RENAMES; attempt++) {
            const value = (spec.rename ?? renamedValue)(unique.value, attempt);
            id = await spec.insert(em, data, value);
            if (id) ctx.renamed.push({ type: spec.kind, from: unique.value, to: value });
          }
        } else {
          id = await spec.existing(em, unique.value);
          skipped = id !== null;
        }
      }
      if (!id) throw new ImportConflictError(spec.kind, unique?.field ?? 'id', unique?.value ?? sourceId);
      await ctx.ledger.record(em, spec.kind, sourceId, id, skipped);
      remember(ctx, spec.kind, sourceId, id, skipped);
      if (!skipped) {
        written++;
        if (afterEach) await afterEach(em, data, id);
      }
    }
    return written;
  });
}

/** Runs an INSERT … ON CONFLICT DO NOTHING RETURNING id: the id, or null on a clash. */
export async function insertReturningId(em: EntityManager, sql: string, params: unknown[]): Promise<string | null> {
  const rows: Array<{ id: string }> = await em.query(sql, params);
  return rows[0]?.id ?? null;
}
