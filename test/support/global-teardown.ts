import { dropRunDatabases } from './test-db';
import type { TestBroker } from './test-broker';

export default async function globalTeardown(): Promise<void> {
  const brokers = (globalThis as { labwireTestBrokers?: TestBroker[] }).labwireTestBrokers ?? [];
  await Promise.all(brokers.map((b) => b.stop()));
  const id = process.env.LABWIRE_TEST_RUN_ID;
  if (id) await dropRunDatabases(`lwt_${id}_`);
}
