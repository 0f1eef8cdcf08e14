import { Agent, request as httpRequest } from 'node:http';
import { testEnv } from '../support/test-app';
import { createTestDatabase } from '../support/test-db';
import { deleteRedisKeys, exitWithin, freePort, spawnBuilt, SpawnedApp, waitForHttp } from '../support/spawn-app';

describe('api graceful shutdown (built, as a process)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: NodeJS.ProcessEnv;
  let api: SpawnedApp;
  let port: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    port = await freePort();
    env = testEnv(db.url, { API_PORT: String(port), API_HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    api = spawnBuilt('apps/api/main.js', env);
    await waitForHttp(`http://127.0.0.1:${port}/health/ready`, api);
  });

  afterAll(async () => {
    await api?.stop();
    await db?.drop();
    if (env?.REDIS_KEY_PREFIX) await deleteRedisKeys(env.REDIS_KEY_PREFIX);
  });

  it('on SIGTERM finishes the in-flight request, refuses new connections, then exits 0', async () => {
    const body = JSON.stringify({ email: 'nobody@lab.test', password: 'not the right password' });
    // A request whose body is still arriving when SIGTERM comes: in flight, not yet handled.
    const response = new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          agent: new Agent({ keepAlive: true }),
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/v1/auth/login',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, connection: res.headers.connection }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => {
        api.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 1000);
      }, 300);
    });

    // Once SIGTERM is in, the listener is closed: new connections are refused.
    await new Promise((r) => setTimeout(r, 800));
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
    expect(api.child.exitCode).toBeNull();

    const res = await response;
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).code).toBe('INVALID_CREDENTIALS');
    // The keep-alive connection is closed with the response, so the process need not wait for the
    // client to drop it: it exits right away.
    expect(res.connection).toBe('close');
    expect(await exitWithin(api, 3000)).toBe(0);
  });
});
