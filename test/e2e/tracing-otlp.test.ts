import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { waitFor } from '../support/built-app';
import { seedUser } from '../support/seed-user';
import { testEnv } from '../support/test-app';
import { createTestDatabase } from '../support/test-db';
import { deleteRedisKeys, exitWithin, freePort, spawnBuilt, SpawnedApp, waitForHttp } from '../support/spawn-app';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: Array<{ key: string; value: { stringValue?: string } }>;
}
interface ExportedSpan extends OtlpSpan {
  service: string;
}
const SERVER = 2;
const CONSUMER = 5;

/** A collector on loopback taking OTLP/HTTP JSON, as a real one (or an agent) would. */
function startCollector(): Promise<{ server: Server; url: string; spans: ExportedSpan[] }> {
  const spans: ExportedSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const data = JSON.parse(body) as {
        resourceSpans: Array<{
          resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
          scopeSpans: Array<{ spans: OtlpSpan[] }>;
        }>;
      };
      for (const rs of data.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans) for (const span of ss.spans) spans.push({ ...span, service });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, spans, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces` }),
    ),
  );
}
const attr = (span: OtlpSpan, key: string) => span.attributes?.find((a) => a.key === key)?.value.stringValue;

/**
 * Tracing as production runs it: the built api and worker started with the standard OTEL_* variables
 * (the SDK loaded before Nest by their mains), exporting OTLP to a collector. One request's trace
 * crosses both processes through the job it queues.
 */
describe('tracing of the built api and worker (OTLP)', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: NodeJS.ProcessEnv;
  let api: SpawnedApp;
  let apiUrl: string;
  let worker: SpawnedApp;

  beforeAll(async () => {
    collector = await startCollector();
    const otel = {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.url,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
    db = await createTestDatabase();
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    env = testEnv(db.url, {
      ...otel,
      API_PORT: String(apiPort),
      API_HOST: '127.0.0.1',
      WORKER_PORT: String(workerPort),
    });
    api = spawnBuilt('apps/api/main.js', env);
    apiUrl = `http://127.0.0.1:${apiPort}`;
    // Generous: the SDK's require hooks slow a boot, and a loaded 2-core machine more so.
    await waitForHttp(`${apiUrl}/health/live`, api, 90_000);
    worker = spawnBuilt('apps/worker/main.js', env);
    await waitForHttp(`http://127.0.0.1:${workerPort}/health/ready`, worker, 90_000);
  }, 200_000);
  afterAll(async () => {
    for (const app of [worker, api]) {
      if (!app) continue;
      if (app.child.exitCode === null) app.child.kill('SIGTERM');
      await exitWithin(app, 10_000).catch(() => app.stop());
    }
    await db?.drop();
    if (env?.REDIS_KEY_PREFIX) await deleteRedisKeys(env.REDIS_KEY_PREFIX);
    await new Promise((r) => collector?.server.close(r));
  });

  it('a backfill request, its job in the worker and the statements of both are one trace', async () => {
    const email = `tracer-${randomBytes(3).toString('hex')}@lab.test`;
    const password = 'correct horse battery staple';
    await seedUser(db.url, email, password);
    const json = async (path: string, body: unknown, token?: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${apiUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token && { authorization: `Bearer ${token}` }),
          ...headers,
        },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const { accessToken } = (await json('/api/v1/auth/login', { email, password })).body;
    const workspace = (await json('/api/v1/workspaces', { name: 'Traced' }, accessToken)).body;
    const instrument = (
      await json(`/api/v1/workspaces/${workspace.id}/instruments`, { name: 'T', serialNumber: 'T-1' }, accessToken)
    ).body;

    const traceId = randomBytes(16).toString('hex');
    const res = await json(
      `/api/v1/workspaces/${workspace.id}/instruments/${instrument.id}/telemetry`,
      [{ ts: Date.now() - 60_000, values: { otlp: 1 } }],
      accessToken,
      { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    );
    expect(res.status).toBe(202);

    const inTrace = () => collector.spans.filter((s) => s.traceId === traceId);
    const jobSpan = () =>
      inTrace().find((s) => s.kind === CONSUMER && s.name === 'telemetry process telemetry.backfill');
    // the api and the worker export in batches of their own: wait for both processes' spans
    await waitFor(
      async () =>
        jobSpan() !== undefined &&
        inTrace().some((s) => s.parentSpanId === jobSpan()?.spanId) &&
        inTrace().some((s) => s.kind === SERVER),
      60_000,
      "the api's request span and the worker spans of the backfill job at the collector",
    );
    const spans = inTrace();
    const server = spans.find((s) => s.kind === SERVER);
    expect(server?.service).toBe('labwire-api');
    expect(jobSpan()?.service).toBe('labwire-worker');
    const workerStatements = spans.filter(
      (s) => s.service === 'labwire-worker' && attr(s, 'db.system.name') === 'postgresql',
    );
    expect(workerStatements.some((s) => s.parentSpanId === jobSpan()?.spanId)).toBe(true);
    expect(spans.some((s) => s.service === 'labwire-api' && attr(s, 'db.system.name') === 'postgresql')).toBe(true);
    // probes are not traced
    expect(collector.spans.some((s) => s.kind === SERVER && /health/.test(attr(s, 'url.path') ?? ''))).toBe(false);
  });
});
