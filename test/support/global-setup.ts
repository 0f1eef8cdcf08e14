import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../../libs/core/src';
import { ensureDatabase } from '../../libs/database/src';
import { createDomainDataSource } from '../../libs/domain/src';
import { startTestBroker } from './test-broker';
import { TEST_SERVER_URL, templateName, urlFor } from './test-db';
import type { TestBroker } from './test-broker';

/**
 * Once per run: make sure the services are up, start the run's MQTT brokers (the project's Mosquitto
 * configuration on spare ports, one per jest worker; testEnv hands a worker's broker to every api of
 * the files that worker runs), then build a migrated template database that every test file clones, so
 * tests start from the real schema in milliseconds and never share data.
 *
 * One broker per jest worker, not one for the run: every api reconciles its broker with its own
 * database at boot and removes the instrument clients its database does not know, so an api starting
 * in one file would disconnect (for good) the instruments of a file running at the same time in the
 * other worker. The files of one worker run one after the other.
 */
export default async function globalSetup(globalConfig: { maxWorkers: number }): Promise<void> {
  execFileSync('bash', [join(__dirname, '../../scripts/services.sh')], { stdio: 'inherit' });
  const brokers: TestBroker[] = await Promise.all(
    Array.from({ length: Math.max(1, globalConfig.maxWorkers) }, () => startTestBroker()),
  );
  (globalThis as { labwireTestBrokers?: TestBroker[] }).labwireTestBrokers = brokers;
  process.env.LABWIRE_TEST_MQTT_BROKERS = JSON.stringify(brokers.map((b) => ({ url: b.url, password: b.password })));
  process.env.LABWIRE_TEST_RUN_ID = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  process.env.NODE_ENV = 'test';
  process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'silent';
  const url = urlFor(templateName());
  await ensureDatabase(url);
  const ds = createDomainDataSource(loadConfig({ ...process.env, DATABASE_URL: url }), 'labwire-test-setup');
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
    // Which storage branch the migrations took, for tests that assert per mode (a test worker cannot ask
    // the database before its tests are declared, so the run tells them).
    const [{ native }] = await ds.query(
      `SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'telemetry'::regclass) AS native`,
    );
    process.env.LABWIRE_TEST_STORAGE = native ? 'native' : 'timescaledb';
  } finally {
    await ds.destroy();
  }
  await closeTemplate();
}

/**
 * TimescaleDB's job scheduler keeps a connection open to every database with the extension, and
 * CREATE DATABASE … TEMPLATE refuses a template anyone is connected to. A database that allows no
 * connections gets no scheduler (its clones allow connections again), so close the template and end
 * the connection already open. Harmless on plain PostgreSQL.
 */
async function closeTemplate(): Promise<void> {
  const client = new Client({ connectionString: TEST_SERVER_URL });
  await client.connect();
  try {
    await client.query(`ALTER DATABASE "${templateName()}" WITH ALLOW_CONNECTIONS false`);
    await client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [templateName()]);
  } finally {
    await client.end();
  }
}
