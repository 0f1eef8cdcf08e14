import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import Redis from 'ioredis';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig, redactUrl } from '@labwire/core';
import { databaseName, ensureDatabase, migrationStatus, MigrationStatus } from '@labwire/database';
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

export interface ConnectionCheck {
  name: string;
  ok: boolean;
  detail: string;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)) || 'failed';

/**
 * What db:test checks, in order, each named: the PostgreSQL server, the database, a query in it, its
 * migrations, and Redis (the queues). A step that cannot run because an earlier one failed says so.
 */
export async function connectionChecks(config: AppConfig): Promise<ConnectionCheck[]> {
  const url = config.database.url;
  const name = databaseName(url);
  const checks: ConnectionCheck[] = [];
  const server = new URL(url);
  server.pathname = '/postgres';
  const admin = new Client({ connectionString: server.toString(), connectionTimeoutMillis: 5000 });
  let exists = false;
  try {
    await admin.connect();
    const version = (await admin.query<{ v: string }>('SHOW server_version')).rows[0].v;
    checks.push({
      name: 'postgresql server',
      ok: true,
      detail: `${redactUrl(server.toString())}: PostgreSQL ${version}`,
    });
    exists = !!(await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount;
    checks.push({
      name: 'database',
      ok: exists,
      detail: exists ? `${name} exists` : `${name} does not exist: create it with npm run migration:run`,
    });
  } catch (err) {
    checks.push({ name: 'postgresql server', ok: false, detail: `${redactUrl(server.toString())}: ${errorText(err)}` });
  } finally {
    await admin.end().catch(() => undefined);
  }
  if (exists) {
    try {
      await withDataSource(config, async (ds) => {
        await ds.query('SELECT 1');
        checks.push({ name: 'query', ok: true, detail: `connected to ${name} and ran a query` });
        const status = await migrationStatus(ds);
        checks.push({
          name: 'migrations',
          ok: status.pending.length === 0,
          detail: status.pending.length
            ? `${status.pending.length} pending (${status.pending.join(', ')}): npm run migration:run`
            : `${status.applied.length} applied, none pending`,
        });
      });
    } catch (err) {
      checks.push({ name: 'query', ok: false, detail: errorText(err) });
    }
  }
  const redis = new Redis(config.redis.url, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const pong = await redis.ping();
    checks.push({ name: 'redis', ok: pong === 'PONG', detail: `${redactUrl(config.redis.url)}: ${pong}` });
  } catch (err) {
    checks.push({ name: 'redis', ok: false, detail: `${redactUrl(config.redis.url)}: ${errorText(err)}` });
  } finally {
    redis.disconnect();
  }
  return checks;
}

async function confirm(question: string, expected: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim() === expected;
  } finally {
    rl.close();
  }
}

export function registerDbMaintenanceCommands(program: Command): void {
  program
    .command('db:test')
    .description('connect to PostgreSQL, the database and Redis, and name what fails (exit 1 if anything does)')
    .option('--json', 'print one JSON object {ok, checks}')
    .action(async (opts: { json?: boolean }) => {
      const checks = await connectionChecks(loadConfig());
      const ok = checks.every((c) => c.ok);
      if (opts.json) console.log(JSON.stringify({ ok, checks }));
      else for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}`);
      if (!ok) process.exitCode = 1;
    });

  program
    .command('db:reset')
    .description('development only: drop everything in the database and apply the migrations again')
    .option('--yes', 'do not ask for confirmation')
    .option('--json', 'print one JSON object')
    .action(async (opts: { yes?: boolean; json?: boolean }) => {
      const config = loadConfig();
      if (config.env !== 'development') {
        throw new CliError(`db:reset is refused with NODE_ENV=${config.env}: it only runs in development`);
      }
      const name = databaseName(config.database.url);
      if (!opts.yes) {
        const sure = await confirm(`This deletes every row of ${name}. Type its name to go on: `, name);
        if (!sure) throw new CliError(`not reset: confirm by typing ${name} (or pass --yes)`);
      }
      const created = await ensureDatabase(config.database.url);
      const applied = await withDataSource(config, async (ds) => {
        await ds.dropDatabase();
        // TypeORM drops tables, views and types, not the functions migrations made (telemetry
        // partition helpers): without this the migrations cannot run again. Extensions' own stay.
        await ds.query(`DO $$ DECLARE r record; BEGIN
          FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = 'public'
                      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
          LOOP EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', r.sig); END LOOP;
        END $$`);
        return ds.runMigrations({ transaction: 'each' });
      });
      const result = { database: name, created, migrationsApplied: applied.length };
      if (opts.json) console.log(JSON.stringify(result));
      else {
        console.log(`database ${name} reset: ${applied.length} migrations applied`);
        console.log('the first administrator is created by npm start (or npm run cli -- user:create --admin)');
      }
    });
}
