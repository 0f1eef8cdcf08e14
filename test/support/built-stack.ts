import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mqtt, { IClientOptions, MqttClient } from 'mqtt';
import { Client } from 'pg';
import { seedUser } from './seed-user';
import { deleteRedisKeys, freePort, READY_WITHIN_MS, spawnBuilt, SpawnedApp, waitForHttp } from './spawn-app';
import { testEnv } from './test-app';
import { startTestBroker, TestBroker } from './test-broker';
import { connectMqtt } from './mqtt-test-client';
import { createTestDatabase } from './test-db';

export interface BuiltStackOptions {
  /** extra environment for both processes */
  env?: Record<string, string>;
  /** a temporary local storage directory (STORAGE_URL) */
  storage?: boolean;
  /**
   * Its own broker: every api reconciles its broker with its database at boot, removing instrument
   * clients it does not know, so on the run's shared broker another test's api could sign a test's
   * instruments out. Needed by tests that connect instruments.
   */
  ownBroker?: boolean;
  /** the signed-in user's platform role */
  role?: 'admin' | 'user';
}

/** An instrument made through the api, signed in to the broker with its own credentials and client id. */
export interface ConnectedInstrument {
  id: string;
  secret: string;
  client: MqttClient;
}

export interface HttpAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

const PASSWORD = 'a-long-password-1';

/**
 * The built api and worker (`node dist/apps/…`) as processes on a fresh database, a spare pair of
 * ports and the test's own Redis prefix, with a signed-in user: what the e2e tests that kill and
 * restart processes share. `api` and `worker` are the current processes (restarts replace them).
 */
export class BuiltStack {
  api!: SpawnedApp;
  worker!: SpawnedApp;
  token = '';
  private readonly mqttClients: MqttClient[] = [];

  private constructor(
    readonly env: NodeJS.ProcessEnv,
    readonly apiUrl: string,
    readonly workerUrl: string,
    readonly pg: Client,
    private readonly db: Awaited<ReturnType<typeof createTestDatabase>>,
    private readonly broker?: TestBroker,
    private readonly storageDir?: string,
  ) {}

  static async start(opts: BuiltStackOptions = {}): Promise<BuiltStack> {
    const db = await createTestDatabase();
    const broker = opts.ownBroker ? await startTestBroker() : undefined;
    const storageDir = opts.storage ? mkdtempSync(join(tmpdir(), 'labwire-e2e-storage-')) : undefined;
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    const env = testEnv(db.url, {
      API_PORT: String(apiPort),
      API_HOST: '127.0.0.1',
      WORKER_PORT: String(workerPort),
      ...(storageDir ? { STORAGE_URL: `file://${storageDir}` } : {}),
      ...(broker?.env ?? {}),
      ...opts.env,
    });
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const stack = new BuiltStack(
      env,
      `http://127.0.0.1:${apiPort}`,
      `http://127.0.0.1:${workerPort}`,
      pg,
      db,
      broker,
      storageDir,
    );
    const email = `e2e-${apiPort}@example.com`;
    try {
      await seedUser(db.url, email, PASSWORD, opts.role ?? 'user');
      // both started (settled) before either failure is thrown, so close() stops both
      const started = await Promise.allSettled([stack.startApi(), stack.startWorker()]);
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      const login = await stack.http<{ accessToken: string }>('POST', '/api/v1/auth/login', {
        email,
        password: PASSWORD,
      });
      stack.token = login.body.accessToken;
      return stack;
    } catch (err) {
      // a stack that failed to start leaves no process, database or broker behind
      await stack.close().catch(() => undefined);
      throw err;
    }
  }

  async startApi(): Promise<void> {
    this.api = spawnBuilt('apps/api/main.js', this.env);
    await waitForHttp(`${this.apiUrl}/health/ready`, this.api, READY_WITHIN_MS);
  }

  /** Restarts the stack's own broker (see TestBroker.restart); only with `ownBroker`. */
  async restartBroker(signal: 'SIGTERM' | 'SIGKILL', whileDown?: () => Promise<void>): Promise<void> {
    if (!this.broker) throw new Error('restartBroker needs BuiltStack.start({ ownBroker: true })');
    await this.broker.restart(signal, whileDown);
  }

  async startWorker(): Promise<void> {
    this.worker = spawnBuilt('apps/worker/main.js', this.env);
    await waitForHttp(`${this.workerUrl}/health/ready`, this.worker, READY_WITHIN_MS);
  }

  /**
   * A request to the api as the signed-in user. A plain object is sent as JSON; a string, FormData or
   * Blob as it is, with `contentType` (default JSON for strings). The answer's JSON body, if any.
   */
  async http<T = any>(method: string, path: string, body?: unknown, contentType?: string): Promise<HttpAnswer<T>> {
    const raw = typeof body === 'string' || body instanceof FormData || body instanceof Blob;
    const type =
      body === undefined
        ? undefined
        : raw
          ? (contentType ?? (typeof body === 'string' ? 'application/json' : undefined))
          : 'application/json';
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(type ? { 'content-type': type } : {}),
      },
      body: body === undefined ? undefined : raw ? (body as RequestInit['body']) : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /**
   * Creates an instrument in `workspaceId` and connects as it (client id = instrument id). `resilient`:
   * a client that reconnects by itself and rides out broker restarts (the plain test client gives up at
   * the first error). Closed with the stack.
   */
  async connectNewInstrument(
    workspaceId: string,
    opts: IClientOptions & { resilient?: boolean } = {},
  ): Promise<ConnectedInstrument> {
    const created = await this.http<{ id: string; mqttSecret: string }>(
      'POST',
      `/api/v1/workspaces/${workspaceId}/instruments`,
      { name: `Probe ${randomBytes(3).toString('hex')}`, serialNumber: `SN-${randomBytes(4).toString('hex')}` },
    );
    if (created.status !== 201) throw new Error(`creating an instrument answered ${created.status}`);
    const { resilient, ...mqttOpts } = opts;
    const options: IClientOptions = {
      username: created.body.id,
      password: created.body.mqttSecret,
      clientId: created.body.id,
      ...mqttOpts,
    };
    let client: MqttClient;
    if (resilient) {
      client = await mqtt.connectAsync(this.env.MQTT_URL!, { protocolVersion: 5, reconnectPeriod: 300, ...options });
      client.on('error', () => undefined); // refused while the broker restarts: mqtt.js tries again
    } else {
      client = await connectMqtt(this.env.MQTT_URL!, options);
    }
    this.mqttClients.push(client);
    return { id: created.body.id, secret: created.body.mqttSecret, client };
  }

  async close(): Promise<void> {
    for (const c of this.mqttClients) await c.endAsync(true).catch(() => undefined);
    await this.api?.stop();
    await this.worker?.stop();
    await this.pg.end();
    await this.db.drop();
    await this.broker?.stop();
    if (this.env.REDIS_KEY_PREFIX) await deleteRedisKeys(this.env.REDIS_KEY_PREFIX);
    if (this.storageDir) rmSync(this.storageDir, { recursive: true, force: true });
  }
}
