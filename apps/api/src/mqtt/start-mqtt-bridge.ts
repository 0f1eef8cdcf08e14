import { INestApplication } from '@nestjs/common';
import { AppConfig, redactUrl } from '@labwire/core';
import { BridgeMetrics } from './bridge-metrics';
import { MqttBridgeState } from './mqtt-bridge-state';
import { AckingMqttServer } from './transport/acking-mqtt-server';

const CONNECT_TIMEOUT_MS = 15_000;

/**
 * Makes the api a hybrid application: the MQTT transport subscribes to every `@EventPattern` of the
 * api's controllers as a shared subscription. Resolves once connected and subscribed.
 */
export async function startMqttBridge(
  app: INestApplication,
  config: AppConfig,
  metrics: BridgeMetrics,
  state: MqttBridgeState,
): Promise<void> {
  const server = new AckingMqttServer({
    url: config.mqtt.url,
    username: config.mqtt.username,
    password: config.mqtt.password,
    clientId: config.mqtt.clientId,
    shareGroup: config.mqtt.shareGroup,
    sessionExpirySeconds: config.mqtt.sessionExpirySeconds,
    receiveMaximum: config.mqtt.receiveMaximum,
    drainTimeoutMs: Math.max(1_000, (config.shutdownTimeoutSeconds * 1000) / 2),
  });
  metrics.watchUnacknowledged(() => server.unacknowledged);
  state.attach(server);
  app.connectMicroservice({ strategy: server }, { inheritAppConfig: false });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `the MQTT bridge could not connect to ${redactUrl(config.mqtt.url)} within ${CONNECT_TIMEOUT_MS / 1000} s`,
          ),
        ),
      CONNECT_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([app.startAllMicroservices().then(() => server.whenSubscribed()), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
