import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash } from '@node-rs/argon2';
import { Client } from 'pg';
import { loadConfig } from '@labwire/core';
import { dropDatabase, ensureDatabase } from '@labwire/database';
import { ARGON2_OPTIONS, createDomainDataSource } from '@labwire/domain';
import { startLocalBroker } from '@labwire/providers';

export const DIST = join(__dirname, '..', '..');

export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A throwaway, migrated database on the server of DATABASE_URL (or the local default). */
export async function benchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/labwire');
  const name = `labwire_bench_${randomBytes(4).toString('hex')}`;
  base.pathname = '/' + name;
  const url = base.toString();
  await ensureDatabase(url);
  const ds = createDomainDataSource(loadConfig({ DATABASE_URL: url }), 'labwire-bench');
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();
  return { url, drop: () => dropDatabase(url, name) };
}

/**
 * An active user owning a new workspace, written straight into the bench database (on `c`, a
 * connected client: benches seed more on it). Returns the workspace id.
 */
export async function seedOwner(c: Client, email: string, password: string): Promise<string> {
  const user = await c.query<{ id: string }>(
    `INSERT INTO users (email, full_name, role, status, password_hash) VALUES ($1, 'Bench', 'user', 'active', $2) RETURNING id`,
    [email, await hash(password, ARGON2_OPTIONS)],
  );
  const ws = await c.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('Bench lab') RETURNING id`);
  await c.query(`INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ($1, $2, 'owner')`, [
    ws.rows[0].id,
    user.rows[0].id,
  ]);
  return ws.rows[0].id;
}

/** Runs `work` on a client connected to `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/**
 * A throwaway Labwire broker (the project's Mosquitto configuration on a spare port, temporary data
 * directory): the api refuses to start without a broker it can manage. `env` is what the api needs.
 */
export async function benchBroker(): Promise<{ env: Record<string, string>; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'labwire-bench-mqtt-'));
  const password = randomBytes(18).toString('base64url');
  const broker = await startLocalBroker({ port: await freePort(), dataDir, username: 'labwire', password });
  return {
    env: { MQTT_URL: broker.url, MQTT_USERNAME: 'labwire', MQTT_PASSWORD: password },
    async stop() {
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Child {
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a node script and waits until `ready` answers. */
export async function startNode(script: string, env: NodeJS.ProcessEnv, ready: string): Promise<Child> {
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the processes under test.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, script], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr?.on('data', (d) => (err += d));
  const deadline = Date.now() + 30000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${script} exited: ${err}`);
    try {
      if ((await fetch(ready)).ok) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${script} did not become ready at ${ready}: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

export interface BenchApi {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  /** the api's environment (a worker for the same api starts from it) */
  env: Record<string, string>;
  /** Signs in and returns the Authorization header to send. */
  authorization(email: string, password: string): Promise<{ authorization: string }>;
  /** the api process's pid (e.g. to read its peak memory) */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** The built api on `dbUrl`, with its own broker, quiet logs and a throwaway Redis prefix. */
export async function startBenchApi(dbUrl: string, extraEnv: Record<string, string> = {}): Promise<BenchApi> {
  const port = await freePort();
  const broker = await benchBroker();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    DATABASE_URL: dbUrl,
    API_PORT: String(port),
    API_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    JWT_SECRET: randomBytes(32).toString('hex'),
    REDIS_KEY_PREFIX: `bench:${randomBytes(3).toString('hex')}`,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    MQTT_CLIENT_ID: `bench-api-${randomBytes(3).toString('hex')}`,
    ...broker.env,
    ...extraEnv,
  };
  const api = await startNode(join(DIST, 'apps/api/main.js'), env, `${url}/health/live`).catch(async (err: unknown) => {
    await broker.stop();
    throw err;
  });
  return {
    url,
    env,
    pid: api.proc.pid,
    async authorization(email, password) {
      const login = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      if (login.status !== 200) throw new Error(`bench login failed: ${login.status} ${await login.text()}`);
      const { accessToken } = (await login.json()) as { accessToken: string };
      return { authorization: `Bearer ${accessToken}` };
    },
    async stop() {
      await api.stop();
      await broker.stop();
    },
  };
}
