import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { devJwtSecret, loadConfig } from '@labwire/core';
import { stopBrokerProcess } from '@labwire/providers';
import { CliError } from '../cli.error';
import { AppSupervisor } from '../startup/app-supervisor';
import { bootstrapDatabase } from '../startup/bootstrap-database';
import { ensureBroker } from '../startup/local-broker';
import { ensurePortsFree } from '../startup/port-checks';
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
    .option('--data-dir <dir>', "where development state is kept (the broker's data and password, the JWT secret)")
    .action(async (opts: { dataDir?: string }) => {
      // A .env file in the working directory, when there is one; real environment variables win.
      if (existsSync('.env')) process.loadEnvFile('.env');
      const config = loadConfig();
      const entries = { api: join(DIST, 'apps/api/main.js'), worker: join(DIST, 'apps/worker/main.js') };
      for (const file of Object.values(entries)) {
        if (!existsSync(file)) throw new CliError(`${file} is missing: build first (npm run build)`);
      }

      const dataRoot = resolve(opts.dataDir ?? join(ROOT, '.data'));

      await ensureServices(config, ROOT, log);
      await ensurePortsFree(config);
      // Before anything is created: a broker that refuses Labwire stops the start here.
      const broker = await ensureBroker(config, dataRoot, log);
      const stopBroker = async () => {
        if (!broker.launchedPid) return;
        log(`stopping the MQTT broker npm start started (pid ${broker.launchedPid})`);
        if (!(await stopBrokerProcess(broker.launchedPid))) log(`the broker (pid ${broker.launchedPid}) did not stop`);
      };
      // Ctrl+C while the database is prepared: the supervisor does not listen yet, so stop the broker here.
      const interrupted = (signal: NodeJS.Signals) => {
        log(`${signal} before api and worker started: stopping`);
        void stopBroker().finally(() => process.exit(130));
      };
      process.once('SIGINT', interrupted);
      process.once('SIGTERM', interrupted);
      try {
        await bootstrapDatabase(config, log);
      } catch (err) {
        await stopBroker();
        throw err;
      } finally {
        process.off('SIGINT', interrupted);
        process.off('SIGTERM', interrupted);
      }

      const env: NodeJS.ProcessEnv = { ...process.env, ...broker.env };
      if (config.auth.jwtSecretGenerated) {
        // Development only (loadConfig refuses production without one): api, worker and restarts must
        // share a secret, so one is kept in .data/jwt-secret and handed to both processes.
        const jwt = devJwtSecret(dataRoot);
        env.JWT_SECRET = jwt.secret;
        log(
          jwt.created
            ? 'JWT_SECRET is not set: generated one (kept in .data/jwt-secret, sign-ins survive restarts)'
            : 'JWT_SECRET is not set: using the one in .data/jwt-secret',
        );
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
        if (config.api.queueDashboard.enabled) log(`  admin queues   ${api}${config.api.queueDashboard.path}`);
        log(`  readiness      ${api}/health/ready`);
        log(`  worker metrics ${worker}/metrics`);
        log('  stop with Ctrl+C');
      }
      const code = await done;
      await stopBroker();
      process.exitCode = code;
    });
}
