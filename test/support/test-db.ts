import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The server the tests use; each test file gets its own database on it. */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function runId(): string {
  const id = process.env.LABWIRE_TEST_RUN_ID;
  if (!id) throw new Error('LABWIRE_TEST_RUN_ID is not set: run the tests through jest (global setup sets it)');
  return id;
}

export function templateName(): string {
  return `lwt_${runId()}_tpl`;
}

export function urlFor(db: string): string {
  const u = new URL(TEST_SERVER_URL);
  u.pathname = '/' + db;
  return u.toString();
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_SERVER_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, fully migrated database cloned from the run's template (milliseconds, not seconds). */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `lwt_${runId()}_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${templateName()}"`));
  return { name, url: urlFor(name), drop: () => dropDatabase(name) };
}

/** An empty database (no migrations), for migration tests. */
export async function createEmptyDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `lwt_${runId()}_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  return { name, url: urlFor(name), drop: () => dropDatabase(name) };
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export async function dropRunDatabases(prefix: string): Promise<void> {
  await admin(async (c) => {
    const rows = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      prefix.replace(/_/g, '\\_') + '%',
    ]);
    for (const r of rows.rows) await c.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
  });
}
