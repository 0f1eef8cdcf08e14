import { dropRunDatabases } from './test-db';
import type { TestBroker } from './test-broker';

export default async function globalTeardown(): Promise<void> {
  const broker = (globalThis as { labwireTestBroker?: TestBroker }).labwireTestBroker;
  if (broker) await broker.stop();
  const id = process.env.LABWIRE_TEST_RUN_ID;
  if (id) await dropRunDatabases(`lwt_${id}_`);
}
