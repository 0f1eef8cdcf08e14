import './instrument';
import 'reflect-metadata';
import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { armShutdownDeadline, ConfigError, loadConfig, withDevJwtSecret } from '@labwire/core';
import { BrokerNotManageableError } from './broker/broker-not-manageable.error';
import { createApiApp } from './bootstrap/create-api-app';

/** The checkout's .data/ (this file is dist/apps/api/src/main.js once built), where npm start keeps its state. */
const DATA_DIR = resolve(__dirname, '..', '..', '..', '..', '.data');

async function main(): Promise<void> {
  // In development without JWT_SECRET, the secret kept in .data/jwt-secret (the one npm start uses), so
  // `npm run start:api` restarts do not sign everyone out either.
  const { config, source } = withDevJwtSecret(loadConfig(), DATA_DIR);
  const app = await createApiApp(config);
  armShutdownDeadline(config.shutdownTimeoutSeconds, 'Api');
  await app.listen({ port: config.api.port, host: config.api.host });
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('0.0.0.0', 'localhost');
  new Logger('Api').log(`api listening on ${url} (docs at ${url}/docs)`);
  if (source) {
    new Logger('Api').log(
      `JWT_SECRET is not set: ${source === 'created' ? 'generated one into' : 'using the one in'} ${DATA_DIR}/jwt-secret (development only)`,
    );
  }
  if (config.auth.jwtSecretGenerated) {
    new Logger('Api').warn(
      'JWT_SECRET is not set: using a random secret for this process, so tokens stop working on restart ' +
        'and are not accepted by other api replicas. Set JWT_SECRET (32+ characters) to keep them.',
    );
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError || err instanceof BrokerNotManageableError ? err.message : err);
  process.exit(1);
});
