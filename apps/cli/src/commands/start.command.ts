import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '@labwire/core';
import { CliError } from '../cli.error';
import { AppSupervisor } from '../startup/app-supervisor';
import { bootstrapDatabase } from '../startup/bootstrap-database';
import { ensureBroker } from '../startup/local-broker';
import { ensureServices } from '../startup/service-checks';
import { waitReady } from '../startup/wait-ready';

/** dist/ (this file is dist/apps/cli/src/commands/start.command.js once built). */
const DIST = resolve(__dirname, '..', '..', '..', '..');
const ROOT = resolve(DIST, '..');

const log = (line: string) => console.log(`[labwire] ${line}`);

function publicHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}

/**
 * `npm start`: everything between a fresh clone and a running Labwire. Checks the configuration and
 * the services, creates and migrates the database, creates the first admin, then runs api and worker
 * together until interrupted.
 */
export function registerStartCommands(program: Command): void {
  program
    .command('bootstrap')
    .description('create the database if missing, apply migrations, create the first admin if there is no user')
    .action(async () => {
      await bootstrapDatabase(loadConfig(), log);
    });

  program
    .command('start')
    .description('check services, migrate, create the first admin, then run api and worker together')
    .action(async () => {
      // A .env file in the working directory, when there is one; real environment variables win.
      if (existsSync('.env')) process.loadEnvFile('.env');
      const config = loadConfig();
      const entries = { api: join(DIST, 'apps/api/main.js'), worker: join(DIST, 'apps/worker/main.js') };
      for (const file of Object.values(entries)) {
        if (!existsSync(file)) throw new CliError(`${file} is missing: build first (npm run build)`);
      }

      await ensureServices(config, ROOT, log);
      const brokerEnv = await ensureBroker(config, ROOT, log);
      await bootstrapDatabase(config, log);

      const env: NodeJS.ProcessEnv = { ...process.env, ...brokerEnv };
      if (config.auth.jwtSecretGenerated) {
        // Development only (loadConfig refuses production without one): api replicas and restarts
        // must share a secret, so one is made for this run and handed to both processes.
        env.JWT_SECRET = config.auth.jwtSecret;
        log('JWT_SECRET is not set: generated one for this run (sign-ins end when Labwire restarts; set it in .env)');
      }

      const supervisor = new AppSupervisor(
        [
          { name: 'api', entry: entries.api },
          { name: 'worker', entry: entries.worker },
        ],
        env,
        log,
      );
      let running = true;
      const done = supervisor.run().finally(() => (running = false));

      const api = `http://${publicHost(config.api.host)}:${config.api.port}`;
      const worker = `http://localhost:${config.worker.port}`;
      const ready = await Promise.all([
        waitReady(`${api}/health/ready`, 60_000, () => running),
        waitReady(`${worker}/health/ready`, 60_000, () => running),
      ]);
      if (running) {
        log(ready.every(Boolean) ? 'Labwire is running' : 'started, but not every process reports ready yet');
        log(`  API            ${api}/api/v1`);
        log(`  API docs       ${api}/docs`);
        log(`  readiness      ${api}/health/ready`);
        log(`  worker metrics ${worker}/metrics`);
        log('  stop with Ctrl+C');
      }
      process.exitCode = await done;
    });
}
