import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { armShutdownDeadline, ConfigError, loadConfig } from '@labwire/core';
import { BrokerNotManageableError } from './broker/broker-not-manageable.error';
import { createApiApp } from './bootstrap/create-api-app';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApiApp(config);
  armShutdownDeadline(config.shutdownTimeoutSeconds, 'Api');
  await app.listen({ port: config.api.port, host: config.api.host });
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('0.0.0.0', 'localhost');
  new Logger('Api').log(`api listening on ${url} (docs at ${url}/docs)`);
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
