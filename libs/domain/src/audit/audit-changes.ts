import { AuditChanges } from './audit-entry.entity';

type Snapshot = Record<string, unknown>;

function normalize(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = normalize((value as Snapshot)[key]);
    return out;
  }
  return value === undefined ? null : value;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

/** `{field: {to}}` for every listed field of a created entity. */
export function createdChanges<T extends object>(after: T, fields: readonly (keyof T & string)[]): AuditChanges {
  const changes: AuditChanges = {};
  for (const f of fields) changes[f] = { to: normalize(after[f]) };
  return changes;
}

/** `{field: {from}}` for every listed field of a deleted entity. */
export function deletedChanges<T extends object>(before: T, fields: readonly (keyof T & string)[]): AuditChanges {
  const changes: AuditChanges = {};
  for (const f of fields) changes[f] = { from: normalize(before[f]) };
  return changes;
}

/**
 * `{field: {from, to}}` for the fields of `patch` whose value differs from `before` (dates and JSON
 * objects compared by value, so re-sending the same object is not a change).
 */
export function changedFields<T extends object>(before: T, patch: Partial<T>): AuditChanges {
  const changes: AuditChanges = {};
  for (const key of Object.keys(patch) as (keyof T & string)[]) {
    const to = patch[key];
    if (to === undefined || same(before[key], to)) continue;
    changes[key] = { from: normalize(before[key]), to: normalize(to) };
  }
  return changes;
}

/** The subset of `patch` that `changes` says really changed, ready for an UPDATE. */
export function effectivePatch<T extends object>(patch: Partial<T>, changes: AuditChanges): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(changes) as (keyof T & string)[]) out[key] = patch[key];
  return out;
}
