import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppConfig, createRootLogger } from '@labwire/core';
import { BridgeAppModule } from '../bridge-app.module';
import { BridgeMetrics } from '../mqtt/bridge-metrics';
import { MqttBridgeState } from '../mqtt/mqtt-bridge-state';
import { startMqttBridge } from '../mqtt/start-mqtt-bridge';
import { closeConnectionsOnShutdown } from './graceful-shutdown';
import { genRequestId } from './request-id';

/** Builds the bridge process (BridgeAppModule): HTTP for /health and /metrics, and the MQTT bridge. */
export async function createBridgeApp(config: AppConfig): Promise<NestFastifyApplication> {
  const logger = createRootLogger(config, 'bridge');
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    disableRequestLogging: true,
    genReqId: genRequestId,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  const app = await NestFactory.create<NestFastifyApplication>(BridgeAppModule.forRoot(config, logger), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  closeConnectionsOnShutdown(app.getHttpAdapter().getInstance());
  app.enableShutdownHooks([], { useProcessExit: true });
  try {
    await app.init();
    await startMqttBridge(app, config, app.get(BridgeMetrics), app.get(MqttBridgeState));
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}
