import { QueryRunner } from 'typeorm';

/**
 * Whether TimescaleDB can be used: installed already, or available to install and preloaded. Migrations branch on
 * this so the plain-PostgreSQL path and the TimescaleDB path share one migration history.
 */
export async function timescaleAvailable(runner: QueryRunner): Promise<boolean> {
  // Installable only when also preloaded: CREATE EXTENSION fails otherwise ("must be preloaded").
  const rows: Array<{ installed: boolean; available: boolean }> = await runner.query(
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed,
            EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
              AND current_setting('shared_preload_libraries') LIKE '%timescaledb%' AS available`,
  );
  return rows[0].installed || rows[0].available;
}
