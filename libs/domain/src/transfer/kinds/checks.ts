import { EntityManager } from 'typeorm';
import { ImportConflict } from '../transfer-kind';

type Data = Record<string, unknown>;

export function str(d: Data, field: string, max = 100_000): string | null {
  const v = d[field];
  if (typeof v !== 'string' || !v.length) return `${field} must be a non-empty string`;
  if (v.length > max) return `${field} is longer than ${max} characters`;
  return null;
}

export function strOrNull(d: Data, field: string): string | null {
  const v = d[field];
  return v === undefined || v === null || typeof v === 'string' ? null : `${field} must be a string or null`;
}

export function num(
  d: Data,
  field: string,
  opts: { integer?: boolean; min?: number; max?: number } = {},
): string | null {
  const v = d[field];
  if (typeof v !== 'number' || !Number.isFinite(v)) return `${field} must be a number`;
  if (opts.integer && !Number.isInteger(v)) return `${field} must be an integer`;
  if (opts.min !== undefined && v < opts.min) return `${field} must be at least ${opts.min}`;
  if (opts.max !== undefined && v > opts.max) return `${field} must be at most ${opts.max}`;
  return null;
}

export function obj(d: Data, field: string): string | null {
  const v = d[field];
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? null : `${field} must be an object`;
}

export function time(d: Data, field: string, required = false): string | null {
  const v = d[field];
  if (v === undefined || v === null) return required ? `${field} is required` : null;
  return typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? null : `${field} must be an ISO-8601 time`;
}

export function oneOf(d: Data, field: string, values: readonly string[]): string | null {
  return values.includes(d[field] as string) ? null : `${field} must be one of ${values.join(', ')}`;
}

/**
 * The document's unique values the workspace holds already in rows this document did not write (a
 * document imported again finds its own rows in the ledger: those are no conflicts).
 */
export async function conflictsByValue(
  em: EntityManager,
  workspaceId: string,
  document: string,
  kind: string,
  field: string,
  values: Map<string, number> | undefined,
  table: string,
  column: string,
): Promise<ImportConflict[]> {
  if (!values?.size) return [];
  const rows: Array<{ value: string }> = await em.query(
    `SELECT t.${column} AS value FROM ${table} t
      WHERE t.workspace_id = $1 AND t.${column} = ANY($2::text[])
        AND NOT EXISTS (SELECT 1 FROM import_ledger l WHERE l.workspace_id = $1 AND l.document = $3
                          AND l.kind = $4 AND l.target_id = t.id)`,
    [workspaceId, [...values.keys()], document, kind],
  );
  return rows.map((r) => ({ line: values.get(r.value) ?? 0, type: kind, field, value: r.value }));
}
