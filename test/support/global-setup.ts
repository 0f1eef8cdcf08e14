import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadConfig } from '../../libs/core/src';
import { ensureDatabase } from '../../libs/database/src';
import { createDomainDataSource } from '../../libs/domain/src';
import { startTestBroker } from './test-broker';
import { templateName, urlFor } from './test-db';

/**
 * Once per run: make sure the services are up, start the run's MQTT broker (the project's Mosquitto
 * configuration on a spare port; testEnv hands it to every api), then build a migrated template
 * database that every test file clones, so tests start from the real schema in milliseconds and never
 * share data.
 */
export default async function globalSetup(): Promise<void> {
  execFileSync('bash', [join(__dirname, '../../scripts/services.sh')], { stdio: 'inherit' });
  const broker = await startTestBroker();
  (globalThis as { labwireTestBroker?: unknown }).labwireTestBroker = broker;
  process.env.LABWIRE_TEST_MQTT_URL = broker.url;
  process.env.LABWIRE_TEST_MQTT_PASSWORD = broker.password;
  process.env.LABWIRE_TEST_RUN_ID = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  process.env.NODE_ENV = 'test';
  process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'silent';
  const url = urlFor(templateName());
  await ensureDatabase(url);
  const ds = createDomainDataSource(loadConfig({ ...process.env, DATABASE_URL: url }), 'labwire-test-setup');
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}
