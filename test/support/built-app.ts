import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createTestDatabase } from './test-db';
import { testEnv } from './test-app';

export const ROOT = join(__dirname, '../..');

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

export interface BuiltProcess {
  proc: ChildProcess;
  url: string;
  output(): string;
  /** SIGTERM, then the exit code (or the signal name) once it exits. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs a built app (`dist/apps/<app>/main.js`) as its own process, as production does. */
export async function spawnBuilt(
  app: 'api' | 'worker',
  env: NodeJS.ProcessEnv,
  port: number,
  healthPath = '/health/live',
): Promise<BuiltProcess> {
  const entry = join(ROOT, 'dist/apps', app, 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first (npm test does)`);
  const proc = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  try {
    await Promise.race([
      waitFor(async () => (await fetch(url + healthPath)).ok, 20000, `${app} on ${url}`),
      exited.then((code) => Promise.reject(new Error(`${app} exited (${code}) during start:\n${out}`))),
    ]);
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  return {
    proc,
    url,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** The built api on a fresh database and free port. */
export async function startBuiltApi(extra: Record<string, string> = {}) {
  const db = await createTestDatabase();
  const port = await freePort();
  const env = testEnv(db.url, { API_PORT: String(port), API_HOST: '127.0.0.1', ...extra });
  const api = await spawnBuilt('api', env, port);
  return {
    ...api,
    env,
    dbUrl: db.url,
    async close() {
      await api.stop();
      await db.drop();
    },
  };
}
