import multipart from '@fastify/multipart';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { AppConfig, createRootLogger } from '@labwire/core';
import { registerAccountPages } from '../account-pages/account-pages';
import { AppModule } from '../app.module';
import { sendProblem } from '../common/errors/problem.filter';
import { registerRouteBodies } from '../common/http/route-body';
import { createValidationPipe } from '../common/validation.pipe';
import { ApiMetrics } from '../metrics/api-metrics';
import { BridgeMetrics } from '../mqtt/bridge-metrics';
import { MqttBridgeState } from '../mqtt/mqtt-bridge-state';
import { startMqttBridge } from '../mqtt/start-mqtt-bridge';
import { recordHttpMetrics } from '../metrics/http-metrics.hook';
import { registerQueueDashboard } from '../queue-dashboard/queue-dashboard';
import { AccessLog } from './access-log';
import { clientErrorHandler } from './client-errors';
import { closeConnectionsOnShutdown } from './graceful-shutdown';
import { setupOpenApi } from './openapi';
import { genRequestId, REQUEST_ID_HEADER } from './request-id';
import { cutSlowRequests, nodeRequestTimeoutMs } from './request-timeouts';

/** sendProblem's logger over the root pino logger (no Nest logger exists before a route is found). */
function frameworkErrorLogger(logger: PinoLogger): Parameters<typeof sendProblem>[4] {
  return {
    error: (obj: object, message: string) => logger.error(obj, message),
    warn: (obj: object, message: string) => logger.warn(obj, message),
  } as Parameters<typeof sendProblem>[4];
}

/**
 * Builds the api exactly as production runs it; main.ts listens, tests use inject() or listen on
 * port 0. Everything a request meets (ids, limits, errors, validation, docs) is set up here once.
 */
export async function createApiApp(config: AppConfig): Promise<NestFastifyApplication> {
  const logger = createRootLogger(config, 'api');
  const adapter = new FastifyAdapter({
    // Fastify's own per-request pino child (request.log, bound to the request id) is the access and
    // service logger: cheaper than a second HTTP logger as middleware.
    loggerInstance: logger,
    logController: new AccessLog(),
    bodyLimit: config.api.bodyLimitBytes,
    genReqId: genRequestId,
    requestIdHeader: false,
    // Off unless TRUST_PROXY names the proxies: trusting every X-Forwarded-For would let any client
    // choose the address the login limits count and the logs record.
    trustProxy: config.api.trustProxy,
    // a backstop behind cutSlowRequests, which bounds each request's body by its route
    requestTimeout: nodeRequestTimeoutMs(config),
    clientErrorHandler: clientErrorHandler(config.api.bodyLimitBytes),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Failures before a route is found (a path that is not valid percent-encoded UTF-8, a path
    // parameter past maxParamLength) are problem+json like every other error, not Fastify's own JSON.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
      sendProblem(error, request, reply, config.api.bodyLimitBytes, frameworkErrorLogger(logger)),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger), adapter, {
    bufferLogs: true,
    abortOnError: false,
    // Fastify's own JSON parser only: Nest's would add an application/x-www-form-urlencoded one, and a
    // JSON API must answer such a body (what `curl -d` sends) with a 415 naming application/json.
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance();

  fastify.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  recordHttpMetrics(fastify, app.get(ApiMetrics));
  cutSlowRequests(fastify, config, logger);
  closeConnectionsOnShutdown(fastify);
  // Uploads are streamed by the routes that take them (one file, a few small fields, at most one byte
  // past DATASOURCE_MAX_BYTES so the route sees the limit was passed).
  await app.register(multipart, {
    // a file past the limit ends there (truncated) instead of failing the stream: the route answers 413
    throwFileSizeLimit: false,
    limits: {
      fileSize: config.ingestion.maxUploadBytes + 1,
      files: 1,
      fields: 20,
      fieldSize: 10_000,
      parts: 21,
    },
  });
  // JSON bodies; CSV, multipart and larger bodies only where a route says so (@RouteBody).
  registerRouteBodies(fastify, config);
  if (config.api.queueDashboard.enabled) await registerQueueDashboard(app, config, logger);
  // The pages behind the links of account mails (PUBLIC_URL/account/…): HTML, outside /api/v1 and the OpenAPI document.
  await registerAccountPages(app, config, logger);

  if (config.api.corsOrigins.length) {
    app.enableCors({ origin: config.api.corsOrigins, exposedHeaders: ['ETag', 'X-Request-Id', 'Retry-After'] });
  }
  app.setGlobalPrefix('api/v1', { exclude: ['health/live', 'health/ready', 'metrics'] });
  app.useGlobalPipes(createValidationPipe());
  // SIGTERM/SIGINT: stop accepting, finish in-flight requests (new ones on open connections get 503),
  // close pools, then exit 0. main.ts bounds the wait with SHUTDOWN_TIMEOUT.
  app.enableShutdownHooks([], { useProcessExit: true });
  setupOpenApi(app);
  try {
    await app.init();
    // After init: the broker was checked and reconciled (BrokerStartup) before instruments are heard.
    if (config.api.mqttBridge) {
      await startMqttBridge(app, config, app.get(BridgeMetrics), app.get(MqttBridgeState));
    }
  } catch (err) {
    // A refused boot (e.g. a broker Labwire cannot manage) must not leave pools and connections open.
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}
