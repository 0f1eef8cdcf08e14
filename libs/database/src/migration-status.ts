import { DataSource } from 'typeorm';

export interface MigrationStatus {
  applied: Array<{ name: string; timestamp: number }>;
  pending: string[];
}

/** Applied and pending migrations, read without running anything. */
export async function migrationStatus(dataSource: DataSource): Promise<MigrationStatus> {
  const table = dataSource.options.migrationsTableName ?? 'migrations';
  const exists: Array<{ exists: boolean }> = await dataSource.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [
    table,
  ]);
  const applied: Array<{ name: string; timestamp: string }> = exists[0].exists
    ? await dataSource.query(`SELECT name, timestamp FROM "${table}" ORDER BY timestamp`)
    : [];
  const appliedNames = new Set(applied.map((a) => a.name));
  const pending = dataSource.migrations.map((m) => m.name ?? m.constructor.name).filter((n) => !appliedNames.has(n));
  return { applied: applied.map((a) => ({ name: a.name, timestamp: Number(a.timestamp) })), pending };
}

/** SQL that would bring the database in line with the entities; empty when they agree. */
export async function pendingSchemaChanges(dataSource: DataSource): Promise<{ up: string[]; down: string[] }> {
  const log = await dataSource.driver.createSchemaBuilder().log();
  return { up: log.upQueries.map((q) => q.query), down: log.downQueries.map((q) => q.query) };
}
