import { AppConfig, redactUrl } from '@labwire/core';
import { ensureDatabase } from '@labwire/database';
import { withDataSource } from '../with-data-source';
import { ensureFirstAdmin } from './first-admin';

/**
 * Gets the database ready for the apps: created when missing (outside production, where the server
 * account may not be allowed to), migrated, and given its first administrator when it has no user.
 * A generated admin password is printed once.
 */
export async function bootstrapDatabase(config: AppConfig, log: (line: string) => void): Promise<void> {
  if (config.env !== 'production' && (await ensureDatabase(config.database.url))) {
    log(`created database ${redactUrl(config.database.url)}`);
  }
  const admin = await withDataSource(config, async (ds) => {
    const applied = await ds.runMigrations({ transaction: 'each' });
    log(applied.length ? `applied migrations: ${applied.map((m) => m.name).join(', ')}` : 'database is up to date');
    return ensureFirstAdmin(ds, config);
  });
  if (admin.created) {
    log(`created the first administrator: ${admin.email}`);
    if (admin.generatedPassword) {
      log(`  password: ${admin.generatedPassword}`);
      log('  (shown this once: store it, or set ADMIN_PASSWORD before the first start)');
      log(`  lost it? npm run cli -- user:reset-password --email ${admin.email} --generate`);
    }
  }
}
