import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppConfig } from '@labwire/core';
import { AppModule } from '../app.module';
import { createValidationPipe } from '../common/validation.pipe';
import { setupOpenApi } from './openapi';
import { genRequestId, REQUEST_ID_HEADER } from './request-id';

/**
 * Builds the api exactly as production runs it; main.ts listens, tests use inject() or listen on
 * port 0. Everything a request meets (ids, limits, errors, validation, docs) is set up here once.
 */
export async function createApiApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.api.bodyLimitBytes,
    genReqId: genRequestId,
    requestIdHeader: false,
    trustProxy: true,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance();

  fastify.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  // A JSON API: refuse text bodies rather than handing strings to validation.
  fastify.removeContentTypeParser('text/plain');

  if (config.api.corsOrigins.length) {
    app.enableCors({ origin: config.api.corsOrigins, exposedHeaders: ['ETag', 'X-Request-Id', 'Retry-After'] });
  }
  app.setGlobalPrefix('api/v1', { exclude: ['health/live', 'health/ready', 'metrics'] });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  setupOpenApi(app);
  await app.init();
  return app;
}
