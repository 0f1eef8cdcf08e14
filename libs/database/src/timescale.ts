import { QueryRunner } from 'typeorm';

/**
 * Whether TimescaleDB can be used: installed already, or available to install. Migrations branch on
 * this so the plain-PostgreSQL path and the TimescaleDB path share one migration history.
 */
export async function timescaleAvailable(runner: QueryRunner): Promise<boolean> {
  const rows: Array<{ installed: boolean; available: boolean }> = await runner.query(
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed,
            EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available`,
  );
  return rows[0].installed || rows[0].available;
}
