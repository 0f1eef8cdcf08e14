import { DataSource } from 'typeorm';
import { loadConfig } from '../../../libs/core/src';
import { migrationStatus, pendingSchemaChanges } from '../../../libs/database/src';
import { createDomainDataSource } from '../../../libs/domain/src';
import { MIGRATIONS } from '../../../migrations';
import { testEnv } from '../../support/test-app';
import { createEmptyDatabase } from '../../support/test-db';

async function publicTables(ds: DataSource): Promise<string[]> {
  const rows: Array<{ tablename: string }> = await ds.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  return rows.map((r) => r.tablename);
}

describe('migrations', () => {
  let db: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createEmptyDatabase();
    ds = createDomainDataSource(loadConfig(testEnv(db.url)), 'labwire-test-migrations');
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('apply on an empty database, revert completely, apply again, and match the entities', async () => {
    const up = await ds.runMigrations({ transaction: 'each' });
    expect(up.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await publicTables(ds)).toEqual(
      expect.arrayContaining(['users', 'sessions', 'workspaces', 'instruments', 'audit_entries', 'migrations']),
    );

    // Revert one at a time until none is applied: every down() must work against its own up().
    for (let applied = (await migrationStatus(ds)).applied.length; applied > 0; applied--) {
      await ds.undoLastMigration({ transaction: 'each' });
      expect((await migrationStatus(ds)).applied).toHaveLength(applied - 1);
    }
    expect(await publicTables(ds)).toEqual(['migrations']);
    const leftovers: Array<{ name: string }> = await ds.query(
      `SELECT typname AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'c') AND t.typname NOT IN ('migrations')`,
    );
    expect(leftovers).toEqual([]);

    const again = await ds.runMigrations({ transaction: 'each' });
    expect(again).toHaveLength(MIGRATIONS.length);
    expect((await migrationStatus(ds)).pending).toEqual([]);

    // The migrated schema is exactly what the entities describe: nothing left to generate.
    const diff = await pendingSchemaChanges(ds);
    expect(diff.up).toEqual([]);
  });
});
