import { Client } from 'pg';
import { redactUrl } from '@labwire/core';

/** The database name in a postgres URL. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`DATABASE_URL has no database name: ${redactUrl(url)}`);
  return name;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(db);
  return u.toString();
}

/**
 * Creates the database named in `url` if it does not exist, by connecting to the server's
 * `postgres` maintenance database. Returns true when it created one.
 */
export async function ensureDatabase(url: string, template?: string): Promise<boolean> {
  const name = databaseName(url);
  const admin = new Client({ connectionString: withDatabase(url, 'postgres') });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount) return false;
    const quoted = '"' + name.replace(/"/g, '""') + '"';
    const tpl = template ? ` TEMPLATE "${template.replace(/"/g, '""')}"` : '';
    try {
      await admin.query(`CREATE DATABASE ${quoted}${tpl}`);
    } catch (err) {
      // another process created it between our check and create
      if ((err as { code?: string }).code !== '42P04') throw err;
      return false;
    }
    return true;
  } finally {
    await admin.end();
  }
}

export async function dropDatabase(url: string, name: string): Promise<void> {
  const admin = new Client({ connectionString: withDatabase(url, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
