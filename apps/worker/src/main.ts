import './instrument';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { armShutdownDeadline, ConfigError, loadConfig } from '@labwire/core';
import { MissingJobHandlersError } from './processors/worker.errors';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  // SIGTERM/SIGINT: stop taking jobs, let active ones finish (worker.close()), close pools, exit 0.
  app.enableShutdownHooks([], { useProcessExit: true });
  armShutdownDeadline(config.shutdownTimeoutSeconds, 'Worker');
}

main().catch((err: unknown) => {
  const known = err instanceof ConfigError || err instanceof MissingJobHandlersError;
  console.error(known ? (err as Error).message : err);
  process.exit(1);
});
