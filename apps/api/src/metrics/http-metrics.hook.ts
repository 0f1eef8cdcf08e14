import type { FastifyInstance } from 'fastify';
import { ApiMetrics } from './api-metrics';

/** Times every response from Fastify's own clock, labelled with the matched route's template. */
export function recordHttpMetrics(fastify: FastifyInstance, metrics: ApiMetrics): void {
  fastify.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
  });
}
