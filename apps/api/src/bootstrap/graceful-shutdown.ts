import type { FastifyInstance } from 'fastify';

/**
 * Once shutdown begins, every response carries `Connection: close`. Node's server.close() waits for
 * open connections; a keep-alive connection that just finished an in-flight request would otherwise
 * stay open (clients and load balancers keep them for minutes) and hold the process past
 * SHUTDOWN_TIMEOUT. New requests on such connections already get 503 (return503OnClosing).
 */
export function closeConnectionsOnShutdown(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  fastify.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
}
