import { Command } from 'commander';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig, redactUrl } from '@labwire/core';
import { databaseName, migrationStatus, MigrationStatus } from '@labwire/database';
import { CliError } from '../cli.error';
import { withDataSource } from '../with-data-source';

/** The tables an operator wants counts of, in the order they are printed. */
export const STATUS_TABLES = [
  'users',
  'sessions',
  'api_keys',
  'workspaces',
  'workspace_members',
  'locations',
  'instruments',
  'datasources',
  'records',
  'telemetry',
  'jobs',
  'audit_entries',
] as const;

export interface DbStatus {
  database: string;
  url: string;
  migrations: MigrationStatus;
  /** row count per table; null when the table does not exist yet */
  rows: Record<string, number | null>;
}

async function databaseExists(url: string): Promise<boolean> {
  const server = new URL(url);
  server.pathname = '/postgres';
  const admin = new Client({ connectionString: server.toString() });
  await admin.connect();
  try {
    return !!(await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName(url)])).rowCount;
  } finally {
    await admin.end();
  }
}

async function rowCounts(ds: DataSource): Promise<Record<string, number | null>> {
  const rows: Record<string, number | null> = {};
  for (const table of STATUS_TABLES) {
    const [exists]: Array<{ exists: boolean }> = await ds.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [
      table,
    ]);
    rows[table] = exists.exists ? Number((await ds.query(`SELECT count(*) AS n FROM "${table}"`))[0].n) : null;
  }
  return rows;
}

function print(status: DbStatus): void {
  console.log(`database ${status.database} at ${status.url}`);
  const { applied, pending } = status.migrations;
  console.log(`\nmigrations: ${applied.length} applied, ${pending.length} pending`);
  for (const m of applied) console.log(`  [x] ${m.name}`);
  for (const name of pending) console.log(`  [ ] ${name}`);
  if (pending.length) console.log('  apply them with: npm run migration:run');
  console.log('\nrows:');
  const width = Math.max(...STATUS_TABLES.map((t) => t.length));
  for (const [table, n] of Object.entries(status.rows)) {
    console.log(`  ${table.padEnd(width)}  ${n === null ? '(no table)' : n}`);
  }
}

export function registerDbCommands(program: Command): void {
  program
    .command('db:status')
    .description('applied and pending migrations, and row counts of the main tables')
    .option('--json', 'print one JSON object instead of text')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig();
      const url = redactUrl(config.database.url);
      if (!(await databaseExists(config.database.url))) {
        throw new CliError(
          `database ${databaseName(config.database.url)} does not exist at ${url}: create it and apply the migrations with npm run migration:run`,
        );
      }
      const status = await withDataSource(config, async (ds) => ({
        database: databaseName(config.database.url),
        url,
        migrations: await migrationStatus(ds),
        rows: await rowCounts(ds),
      }));
      if (opts.json) console.log(JSON.stringify(status));
      else print(status);
    });
}
