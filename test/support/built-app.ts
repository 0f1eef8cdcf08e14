import { exitWithin, freePort, READY_WITHIN_MS, spawnBuilt, waitForHttp } from './spawn-app';
import { testEnv } from './test-app';
import { createTestDatabase } from './test-db';

/** Polls `check` until it holds, or fails after `timeoutMs` naming `what`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The built api (`dist/apps/api/main.js`) as its own process, on a fresh database and a free port. */
export async function startBuiltApi(extra: Record<string, string> = {}) {
  const db = await createTestDatabase();
  const port = await freePort();
  const env = testEnv(db.url, { API_PORT: String(port), API_HOST: '127.0.0.1', ...extra });
  const app = spawnBuilt('apps/api/main.js', env);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health/live`, app, READY_WITHIN_MS).catch(async (err: unknown) => {
    await app.stop();
    throw err;
  });
  return {
    url,
    env,
    dbUrl: db.url,
    output: () => app.output(),
    async close() {
      if (app.child.exitCode === null) app.child.kill('SIGTERM');
      await exitWithin(app, 10_000).catch(() => app.stop());
      await db.drop();
    },
  };
}
