import { QueryFailedError } from 'typeorm';

interface PgError {
  code?: string;
  constraint?: string;
}

function driverError(err: unknown): PgError | undefined {
  if (err instanceof QueryFailedError) return err.driverError as PgError;
  if (err && typeof err === 'object' && 'code' in err) return err as PgError;
  return undefined;
}

/** A unique violation (23505), optionally of one named constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = driverError(err);
  return e?.code === '23505' && (!constraint || e.constraint === constraint);
}

/** A foreign key violation (23503), optionally of one named constraint. */
export function isForeignKeyViolation(err: unknown, constraint?: string): boolean {
  const e = driverError(err);
  return e?.code === '23503' && (!constraint || e.constraint === constraint);
}
