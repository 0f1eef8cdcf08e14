import './instrument-bridge';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { armShutdownDeadline, ConfigError, loadConfig } from '@labwire/core';
import { createBridgeApp } from './bootstrap/create-bridge-app';

/** `node dist/apps/bridge/main.js`: the MQTT bridge alone (see BridgeAppModule). */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createBridgeApp(config);
  armShutdownDeadline(config.shutdownTimeoutSeconds, 'Bridge');
  await app.listen({ port: config.bridge.port, host: config.api.host });
  new Logger('Bridge').log(`MQTT bridge running; health and metrics on port ${config.bridge.port}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
