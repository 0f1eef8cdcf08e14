import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { QueueRegistry, registerQueueDepthGauge } from '@labwire/queue';

/** Requests that matched no route share one label value, so scanners cannot blow up cardinality. */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * The api's Prometheus registry (one per application, never prom-client's global one): process
 * metrics, request durations by route template, and BullMQ queue depths read at scrape time.
 */
@Injectable()
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;

  constructor(queues: QueueRegistry) {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    registerQueueDepthGauge(this.registry, queues);
  }

  /** `route` is the route template (`/api/v1/workspaces/:workspaceId`), never the raw URL. */
  observeRequest(method: string, route: string | undefined, statusCode: number, seconds: number): void {
    this.httpDuration.observe({ method, route: route ?? UNMATCHED_ROUTE, status_code: String(statusCode) }, seconds);
  }
}
