import { randomBytes } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig, loadConfig } from '../../libs/core/src';
import { PlatformRole, UserService, UserStatus } from '../../libs/domain/src';
import { createApiApp } from '../../apps/api/src/bootstrap/create-api-app';
import { createTestDatabase } from './test-db';

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

export interface RequestOptions {
  token?: string;
  apiKey?: string;
  body?: unknown;
  payload?: string | Buffer;
  headers?: Record<string, string>;
  query?: Record<string, string | number>;
}

export interface TestApi {
  app: NestFastifyApplication;
  config: AppConfig;
  dbUrl: string;
  request<T = any>(method: string, url: string, opts?: RequestOptions): Promise<HttpResult<T>>;
  close(): Promise<void>;
}

/**
 * This jest worker's broker, started by the global setup (one per worker: see global-setup.ts). Tests
 * that inspect the broker's clients start their own.
 */
export function runBroker(): { url: string; password: string } {
  const list = process.env.LABWIRE_TEST_MQTT_BROKERS;
  if (!list) throw new Error('the test brokers are not set: run the tests through jest (global setup starts them)');
  const brokers = JSON.parse(list) as Array<{ url: string; password: string }>;
  const worker = Number(process.env.JEST_WORKER_ID ?? '1');
  return brokers[(Math.max(1, worker) - 1) % brokers.length];
}

function runBrokerEnv(): Record<string, string> {
  const { url, password } = runBroker();
  return { MQTT_URL: url, MQTT_USERNAME: 'labwire', MQTT_PASSWORD: password };
}

/** Environment for one test file: its own database and its own Redis key prefix; its jest worker's broker. */
export function testEnv(dbUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...runBrokerEnv(),
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: dbUrl,
    REDIS_KEY_PREFIX: `lwt:${randomBytes(4).toString('hex')}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    DATABASE_POOL_SIZE: '4',
    // Every api of the run shares one broker: each gets its own session and its own shared-subscription
    // group, so no api takes (and drops as unknown) another test's instrument messages.
    MQTT_CLIENT_ID: `lwt-api-${randomBytes(6).toString('hex')}`,
    MQTT_SHARE_GROUP: `lwt-${randomBytes(6).toString('hex')}`,
    MQTT_SESSION_EXPIRY: '300',
    ...extra,
  };
}

/** The real api (same bootstrap as production) on a fresh database, driven with Fastify inject. */
export async function startTestApi(
  extraEnv: Record<string, string> = {},
  opts: { databaseUrl?: string } = {},
): Promise<TestApi> {
  // A second api on an existing database (a "replica") leaves dropping it to the first.
  const db = opts.databaseUrl ? { url: opts.databaseUrl, drop: async () => undefined } : await createTestDatabase();
  const config = loadConfig(testEnv(db.url, extraEnv));
  const app = await createApiApp(config);
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    config,
    dbUrl: db.url,
    async request(method, url, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.apiKey) headers['x-api-key'] = opts.apiKey;
      let payload: string | Buffer | undefined = opts.payload;
      if (opts.body !== undefined) {
        payload = JSON.stringify(opts.body);
        headers['content-type'] = headers['content-type'] ?? 'application/json';
      }
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers,
        payload,
        query: opts.query ? Object.fromEntries(Object.entries(opts.query).map(([k, v]) => [k, String(v)])) : undefined,
      });
      let body: unknown = res.body;
      const type = String(res.headers['content-type'] ?? '');
      if (type.includes('json') && res.body) body = JSON.parse(res.body);
      return { status: res.statusCode, body: body as never, headers: res.headers };
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

let counter = 0;
export const TEST_PASSWORD = 'correct horse battery staple';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  token: string;
  refreshToken: string;
}

/** Creates an active user (admin on request) and signs them in. */
export async function createUser(
  api: TestApi,
  opts: { role?: PlatformRole; status?: UserStatus; email?: string; fullName?: string } = {},
): Promise<TestUser> {
  const email = opts.email ?? `user${++counter}-${randomBytes(3).toString('hex')}@lab.test`;
  const user = await api.app.get(UserService).create({
    email,
    fullName: opts.fullName ?? `Test User ${counter}`,
    password: TEST_PASSWORD,
    role: opts.role ?? 'user',
    status: 'active',
  });
  const login = await api.request('POST', '/api/v1/auth/login', { body: { email, password: TEST_PASSWORD } });
  if (login.status !== 200) throw new Error(`login failed for ${email}: ${JSON.stringify(login.body)}`);
  if (opts.status && opts.status !== 'active') {
    await api.app.get(UserService).update(user.id, { status: opts.status }, { userId: user.id, role: 'admin' });
  }
  return {
    id: user.id,
    email,
    password: TEST_PASSWORD,
    token: login.body.accessToken,
    refreshToken: login.body.refreshToken,
  };
}
