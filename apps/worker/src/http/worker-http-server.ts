import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { APP_CONFIG, AppConfig, METRICS_TOKEN_REQUIRED, metricsAccessAllowed } from '@labwire/core';
import { WorkerReadiness } from '../health/worker-readiness';
import { WorkerMetrics } from '../metrics/worker-metrics';

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * The worker's only HTTP surface, on WORKER_PORT: /health/live, /health/ready and /metrics for
 * orchestrators and Prometheus (/metrics behind METRICS_TOKEN when set). Plain node:http: three
 * read-only routes need no framework.
 */
@Injectable()
export class WorkerHttpServer implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('WorkerHttp');
  private server?: Server;
  private draining = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly readiness: WorkerReadiness,
    private readonly metrics: WorkerMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => {
        this.logger.error(`${req.method} ${req.url}: ${err.message}`);
        if (!res.headersSent) sendJson(res, 500, { status: 'error' });
        else res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.worker.port, () => resolve());
    });
    this.server = server;
    this.logger.log(`worker health and metrics on http://localhost:${this.port()} (/health/ready, /metrics)`);
  }

  port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { status: 'error' });
    switch (path) {
      case '/health/live':
        return sendJson(res, 200, { status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
      case '/health/ready': {
        if (this.draining) return sendJson(res, 503, { status: 'error', shuttingDown: true, checks: {} });
        const report = await this.readiness.report();
        return sendJson(res, report.status === 'ok' ? 200 : 503, report);
      }
      case '/metrics': {
        if (!metricsAccessAllowed(req.headers.authorization, this.config.metrics.token)) {
          res.setHeader('www-authenticate', 'Bearer realm="metrics"');
          return sendJson(res, 401, { status: 'error', detail: METRICS_TOKEN_REQUIRED });
        }
        const body = await this.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': this.metrics.registry.contentType, 'cache-control': 'no-store' });
        res.end(body);
        return;
      }
      default:
        return sendJson(res, 404, { status: 'error', detail: `no route ${path}` });
    }
  }

  /** Shutdown started: report not ready at once, so nothing waits on this replica. */
  beforeApplicationShutdown(): void {
    this.draining = true;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
