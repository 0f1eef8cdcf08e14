import { randomBytes } from 'node:crypto';
import { testEnv } from '../support/test-app';
import { dropDatabase, runId, urlFor } from '../support/test-db';
import { deleteRedisKeys, exitWithin, freePort, spawnBuilt, SpawnedApp } from '../support/spawn-app';

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
    const start = spawnBuilt('apps/cli/main.js', env, ['start']);
    try {
      await waitForOutput(start, /Labwire is running/);
      const out = start.output();
      expect(out).toContain(`created database`);
      expect(out).toMatch(/applied migrations: /);
      expect(out).toContain('created the first administrator: first-admin@lab.test');
      expect(out).toContain('JWT_SECRET is not set: generated one for this run');
      expect(out).toContain(`API            http://127.0.0.1:${apiPort}/api/v1`);
      expect(out).toContain(`API docs       http://127.0.0.1:${apiPort}/docs`);
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
