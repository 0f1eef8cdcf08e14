import { dropRunDatabases } from './test-db';

export default async function globalTeardown(): Promise<void> {
  const id = process.env.LABWIRE_TEST_RUN_ID;
  if (id) await dropRunDatabases(`lwt_${id}_`);
}
