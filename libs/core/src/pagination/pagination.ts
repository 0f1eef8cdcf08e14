import { ValidationError } from '../errors';

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;
/**
 * The highest page a list serves: the offset it makes, (page - 1) × pageSize, stays an exact integer
 * PostgreSQL takes as OFFSET (a page of 1e20 once reached SQL as `OFFSET 5e+21` and failed with a 500).
 */
export const MAX_PAGE = 10_000_000;

export interface PageRequest {
  page: number;
  pageSize: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
  totalPages: number;
}

export interface SortField<F extends string = string> {
  field: F;
  direction: 'ASC' | 'DESC';
}

export function toPage<T>(items: T[], total: number, req: PageRequest): Page<T> {
  return {
    items,
    total,
    page: req.page,
    pageSize: req.pageSize,
    totalPages: total === 0 ? 0 : Math.ceil(total / req.pageSize),
  };
}

export function mapPage<T, U>(page: Page<T>, fn: (item: T) => U): Page<U> {
  return { ...page, items: page.items.map(fn) };
}

/**
 * Parses `sort=name,-createdAt` against the fields a list allows. Unknown fields are a 400 naming
 * the allowed ones, never silently ignored.
 */
export function parseSort<F extends string>(
  sort: string | undefined,
  allowed: readonly F[],
  fallback: SortField<F>[],
): SortField<F>[] {
  if (!sort) return fallback;
  const result: SortField<F>[] = [];
  for (const raw of sort
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const desc = raw.startsWith('-');
    const name = (desc || raw.startsWith('+') ? raw.slice(1) : raw) as F;
    if (!allowed.includes(name)) {
      throw new ValidationError(`Cannot sort by "${name}"`, [
        { field: 'sort', message: `allowed fields: ${allowed.join(', ')} (prefix with - for descending)` },
      ]);
    }
    if (!result.some((r) => r.field === name)) result.push({ field: name, direction: desc ? 'DESC' : 'ASC' });
  }
  return result.length ? result : fallback;
}
