import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { localBrokerPid, portAnswers, stopBrokerProcess } from '../../libs/providers/src/broker/local-mosquitto';
import { testEnv } from '../support/test-app';
import { dropDatabase, runId, urlFor } from '../support/test-db';
import { deleteRedisKeys, exitWithin, freePort, spawnBuilt, SpawnedApp } from '../support/spawn-app';
import { startTestBroker } from '../support/test-broker';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function databaseExists(name: string): Promise<boolean> {
  const client = new Client({ connectionString: urlFor('postgres') });
  await client.connect();
  try {
    return !!(await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount;
  } finally {
    await client.end();
  }
}

async function ports(): Promise<{ api: number; worker: number; mqtt: number }> {
  // Two calls can hand out the same just-released port.
  const taken = new Set<number>();
  const next = async () => {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    return port;
  };
  return { api: await next(), worker: await next(), mqtt: await next() };
}

/** Waits until the process has printed `pattern`, or fails with its output. */
async function waitForOutput(app: SpawnedApp, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = pattern.exec(app.output());
    if (match) return match;
    if (app.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no ${pattern} in the output:\n${app.output()}`);
}

describe('npm start (the built CLI `start` command)', () => {
  it('on a database that does not exist yet: creates and migrates it, bootstraps the admin, runs api and worker', async () => {
    // A name in this run's namespace, so the global teardown drops it even if the test fails.
    const dbName = `lwt_${runId()}_start_${randomBytes(3).toString('hex')}`;
    // Two calls can hand out the same just-released port; the worker would then answer the api's requests.
    const apiPort = await freePort();
    let workerPort = await freePort();
    while (workerPort === apiPort) workerPort = await freePort();
    const env = testEnv(urlFor(dbName), {
      API_PORT: String(apiPort),
      API_HOST: '127.0.0.1',
      WORKER_PORT: String(workerPort),
      LOG_LEVEL: 'warn',
      ADMIN_EMAIL: 'first-admin@lab.test',
    });
    // What a developer has on a fresh clone: no JWT_SECRET, no ADMIN_PASSWORD.
    delete env.JWT_SECRET;
    const dataDir = mkdtempSync(join(tmpdir(), 'lw-start-data-'));
    const start = spawnBuilt('apps/cli/main.js', env, ['start', '--data-dir', dataDir]);
    try {
      // the URLs are printed line by line after "Labwire is running": wait for the last one
      await waitForOutput(start, /worker metrics /);
      const out = start.output();
      expect(out).toContain(`created database`);
      expect(out).toMatch(/applied migrations: /);
      expect(out).toContain('created the first administrator: first-admin@lab.test');
      expect(out).toContain('JWT_SECRET is not set: generated one (kept in .data/jwt-secret');
      expect(out).toContain('lost it? npm run cli -- user:reset-password --email first-admin@lab.test');
      expect(out).toContain(`API            http://127.0.0.1:${apiPort}/api/v1`);
      expect(out).toContain(`API docs       http://127.0.0.1:${apiPort}/docs`);
      expect(out).toContain(`admin queues   http://127.0.0.1:${apiPort}/admin/queues/ui`);
      expect(out).toContain(`readiness      http://127.0.0.1:${apiPort}/health/ready`);
      expect(out).toContain(`worker metrics http://localhost:${workerPort}/metrics`);
      const password = /password: (\S+)/.exec(out)?.[1];
      expect(password).toBeDefined();

      const api = `http://127.0.0.1:${apiPort}`;
      const login = await fetch(`${api}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'first-admin@lab.test', password }),
      });
      expect(login.status).toBe(200);
      const { accessToken } = (await login.json()) as { accessToken: string };
      const me = await fetch(`${api}/api/v1/users/me`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(((await me.json()) as { role: string }).role).toBe('admin');
      expect((await fetch(`${api}/docs`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${workerPort}/metrics`)).status).toBe(200);

      start.child.kill('SIGTERM');
      expect(await exitWithin(start, 20_000)).toBe(0);
      expect(start.output()).toContain('stopping api and worker (SIGTERM)');
    } finally {
      await start.stop();
      await dropDatabase(dbName);
      if (env.REDIS_KEY_PREFIX) await deleteRedisKeys(env.REDIS_KEY_PREFIX);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('stops the broker it started when it stops, and keeps sign-ins across a restart (.data/jwt-secret)', async () => {
    const dbName = `lwt_${runId()}_start_${randomBytes(3).toString('hex')}`;
    const port = await ports();
    const dataDir = mkdtempSync(join(tmpdir(), 'lw-start-data-'));
    const env = testEnv(urlFor(dbName), {
      API_PORT: String(port.api),
      API_HOST: '127.0.0.1',
      WORKER_PORT: String(port.worker),
      LOG_LEVEL: 'warn',
      MQTT_URL: `mqtt://127.0.0.1:${port.mqtt}`,
      ADMIN_EMAIL: 'first-admin@lab.test',
      ADMIN_PASSWORD: 'a long first admin password',
    });
    // Nothing on the port and no password: npm start generates one and starts Labwire's broker.
    delete env.MQTT_PASSWORD;
    delete env.JWT_SECRET;
    const api = `http://127.0.0.1:${port.api}`;
    let start = spawnBuilt('apps/cli/main.js', env, ['start', '--data-dir', dataDir]);
    let brokerPid: number | undefined;
    try {
      await waitForOutput(start, /Labwire is running/);
      expect(start.output()).toContain(`starting Labwire's MQTT broker on 127.0.0.1:${port.mqtt}`);
      const login = await fetch(`${api}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'first-admin@lab.test', password: 'a long first admin password' }),
      });
      expect(login.status).toBe(200);
      const { accessToken } = (await login.json()) as { accessToken: string };

      start.child.kill('SIGTERM');
      expect(await exitWithin(start, 30_000)).toBe(0);
      brokerPid = Number(/stopping the MQTT broker npm start started \(pid (\d+)\)/.exec(start.output())?.[1]);
      expect(brokerPid).toBeGreaterThan(0);
      expect(alive(brokerPid)).toBe(false);
      expect(await portAnswers(port.mqtt)).toBe(false);

      // A restart: the same secret from .data/jwt-secret, so the token signed before still works.
      start = spawnBuilt('apps/cli/main.js', env, ['start', '--data-dir', dataDir]);
      await waitForOutput(start, /Labwire is running/);
      expect(start.output()).toContain('JWT_SECRET is not set: using the one in .data/jwt-secret');
      const me = await fetch(`${api}/api/v1/users/me`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(me.status).toBe(200);
      start.child.kill('SIGINT');
      expect(await exitWithin(start, 30_000)).toBe(0);
      expect(await portAnswers(port.mqtt)).toBe(false);
    } finally {
      await start.stop();
      // the broker of a run that failed half-way
      const left = localBrokerPid(join(dataDir, 'mosquitto'));
      if (left) await stopBrokerProcess(left);
      await dropDatabase(dbName);
      if (env.REDIS_KEY_PREFIX) await deleteRedisKeys(env.REDIS_KEY_PREFIX);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('stops before creating anything when another broker holds the MQTT port, naming it and the ways out', async () => {
    // Another checkout's broker: Labwire's configuration, an account with another password.
    const foreign = await startTestBroker();
    // The next port is taken too (when it was not already): the message must propose one that is free.
    const next = createServer();
    // Another process of the machine may hold (or just have let go of) that port: then it is not ours to hold.
    const held = await new Promise<boolean>((resolve) =>
      next.once('error', () => resolve(false)).listen(foreign.port + 1, '127.0.0.1', () => resolve(true)),
    );
    const dbName = `lwt_${runId()}_start_${randomBytes(3).toString('hex')}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'lw-start-data-'));
    const env = testEnv(urlFor(dbName), { MQTT_URL: foreign.url, ADMIN_EMAIL: 'first-admin@lab.test' });
    // A fresh clone: npm start generates its own broker password, which that broker does not know.
    delete env.MQTT_PASSWORD;
    delete env.JWT_SECRET;
    const start = spawnBuilt('apps/cli/main.js', env, ['start', '--data-dir', dataDir]);
    try {
      expect(await exitWithin(start, 30_000)).toBe(1);
      const out = start.output();
      expect(out).toContain(`The MQTT broker at 127.0.0.1:${foreign.port} refused Labwire's account labwire`);
      expect(out).toContain(`Another broker holds port ${foreign.port} (pid ${foreign.broker.process!.pid}: `);
      expect(out).toContain('stop that broker');
      // a port after the taken one where nothing answered
      const proposed = Number(/MQTT_URL=mqtt:\/\/127\.0\.0\.1:(\d+) in \.env/.exec(out)?.[1]);
      expect(proposed).toBeGreaterThan(held ? foreign.port + 1 : foreign.port);
      expect(await portAnswers(proposed)).toBe(false);
      expect(out).not.toContain('created the first administrator');
      expect(out).not.toMatch(/password: /);
      expect(await databaseExists(dbName)).toBe(false);
    } finally {
      await start.stop();
      await foreign.stop();
      await new Promise((resolve) => next.close(resolve));
      await dropDatabase(dbName);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("stops before creating anything when another process holds the api's port, naming it and the ways out", async () => {
    // Another checkout's `npm start` holds the api's port as well as the broker's.
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const apiPort = (holder.address() as AddressInfo).port;
    const dbName = `lwt_${runId()}_start_${randomBytes(3).toString('hex')}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'lw-start-data-'));
    const env = testEnv(urlFor(dbName), {
      API_PORT: String(apiPort),
      API_HOST: '127.0.0.1',
      WORKER_PORT: String(await freePort()),
      ADMIN_EMAIL: 'first-admin@lab.test',
    });
    const start = spawnBuilt('apps/cli/main.js', env, ['start', '--data-dir', dataDir]);
    try {
      expect(await exitWithin(start, 30_000)).toBe(1);
      const out = start.output();
      expect(out).toContain(`The api cannot listen on port ${apiPort}: another process holds it (pid ${process.pid}: `);
      expect(out).toContain('set API_PORT to a free port');
      expect(out).not.toContain('created the first administrator');
      expect(out).not.toMatch(/password: /);
      expect(await databaseExists(dbName)).toBe(false);
    } finally {
      await start.stop();
      await new Promise((resolve) => holder.close(resolve));
      await dropDatabase(dbName);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('stops with a message naming an unreachable service, its URL without the password, and the fix', async () => {
    const env = testEnv(urlFor(`lwt_${runId()}_never`), {
      // TEST-NET-1: routable nowhere, so the connection times out as with a remote server that is down.
      REDIS_URL: 'redis://:hunter2@192.0.2.1:6379',
    });
    const start = spawnBuilt('apps/cli/main.js', env, ['start']);
    expect(await exitWithin(start, 30_000)).toBe(1);
    const out = start.output();
    expect(out).toContain('Redis is not reachable at redis://:***@192.0.2.1:6379');
    expect(out).toContain('docker compose up -d redis');
    expect(out).not.toContain('hunter2');
  });
});
