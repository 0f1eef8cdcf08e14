import { existsSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv } from '../support/test-app';
import { createTestDatabase } from '../support/test-db';
import { deleteRedisKeys, exitWithin, freePort, ROOT, spawnBuilt, SpawnedApp, waitForHttp } from '../support/spawn-app';
import { seedUser } from '../support/seed-user';

// `npm run start:api` without `npm start`: the api itself keeps the development JWT secret in the
// checkout's .data/jwt-secret (the file npm start uses), so a restart does not sign everyone out.
describe('api in development without JWT_SECRET', () => {
  const file = join(ROOT, '.data', 'jwt-secret');
  // A developer's own secret is left as it was; one this test made is removed.
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  const hadDataDir = existsSync(join(ROOT, '.data'));
  afterAll(() => {
    if (before === undefined) rmSync(file, { force: true });
    try {
      // only when empty: another test may keep a broker's data there
      if (!hadDataDir) rmdirSync(join(ROOT, '.data'));
    } catch {
      // not empty
    }
  });

  it('signs with the secret kept in .data/jwt-secret, so tokens survive a restart', async () => {
    const db = await createTestDatabase();
    const port = await freePort();
    const env = testEnv(db.url, { NODE_ENV: 'development', API_PORT: String(port), API_HOST: '127.0.0.1' });
    delete env.JWT_SECRET;
    await seedUser(db.url, 'dev@lab.test', 'a long dev password');
    const api = `http://127.0.0.1:${port}`;
    let app: SpawnedApp | undefined;
    try {
      app = spawnBuilt('apps/api/main.js', env);
      await waitForHttp(`${api}/health/live`, app);
      const login = await fetch(`${api}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'dev@lab.test', password: 'a long dev password' }),
      });
      expect(login.status).toBe(200);
      const { accessToken } = (await login.json()) as { accessToken: string };
      expect(statSync(file).mode & 0o777).toBe(0o600);
      if (before !== undefined) expect(readFileSync(file, 'utf8')).toBe(before);
      app.child.kill('SIGTERM');
      await exitWithin(app, 30_000);

      app = spawnBuilt('apps/api/main.js', env);
      await waitForHttp(`${api}/health/live`, app);
      const me = await fetch(`${api}/api/v1/users/me`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(me.status).toBe(200);
      expect(app.output()).not.toContain('using a random secret for this process');
    } finally {
      await app?.stop();
      await db.drop();
      await deleteRedisKeys(env.REDIS_KEY_PREFIX!);
    }
  });
});
