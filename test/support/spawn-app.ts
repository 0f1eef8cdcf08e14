import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Redis from 'ioredis';

export const ROOT = join(__dirname, '../..');

/** A TCP port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface SpawnedApp {
  child: ChildProcess;
  /** everything the process wrote so far (stdout and stderr) */
  output(): string;
  /** resolves with the exit code (or the signal name) once the process has ended */
  exited: Promise<number | string>;
  stop(): Promise<void>;
}

/** Runs a built app (`node dist/<entry>`) as production would; requires `npm run build` first. */
export function spawnBuilt(entry: string, env: NodeJS.ProcessEnv, args: string[] = []): SpawnedApp {
  const file = join(ROOT, 'dist', entry);
  if (!existsSync(file)) throw new Error(`${file} does not exist: run \`npm run build\` first (npm test does)`);
  const child = spawn(process.execPath, [file, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    child,
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/**
 * How long a built app may take to become ready: its boot is what the test waits for, not what it
 * measures, and three test files at a time on two cores slow a boot down several times.
 */
export const READY_WITHIN_MS = 60_000;

/** Polls `url` until it answers `status` (default 200), or fails after `timeoutMs` with the app's output. */
export async function waitForHttp(url: string, app: SpawnedApp, timeoutMs = 30_000, status = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (app.child.exitCode !== null) throw new Error(`process exited (${app.child.exitCode}):\n${app.output()}`);
    try {
      const res = await fetch(url);
      if (res.status === status) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last}):\n${app.output()}`);
}

/** Resolves with the exit code, or rejects when the process is still running after `timeoutMs`. */
export function exitWithin(app: SpawnedApp, timeoutMs: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    app.exited,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms:\n${app.output()}`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Deletes the Redis keys a test's REDIS_KEY_PREFIX created (BullMQ wraps it as `{prefix}`). */
export async function deleteRedisKeys(prefix: string, url = 'redis://127.0.0.1:6379'): Promise<void> {
  const redis = new Redis(url);
  try {
    for (const pattern of [`{${prefix}}*`, `${prefix}*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
