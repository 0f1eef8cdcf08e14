import { join } from 'node:path';
import { AppConfig } from '@labwire/core';
import { devBrokerPassword, findDynsecPlugin, findMosquitto, portAnswers, startLocalBroker } from '@labwire/providers';
import { CliError } from '../cli.error';
import { isLoopback } from './service-checks';

/**
 * `npm start`'s part of CONTRACT for the broker: MQTT_PASSWORD is generated at the first start in
 * development (kept in .data/mosquitto/labwire-password, reused afterwards), and when nothing answers on
 * a loopback MQTT_URL, Labwire's broker is started there from docker/mosquitto/mosquitto.conf with its
 * data in .data/mosquitto. It keeps running after Labwire stops, like the local PostgreSQL and Redis.
 * Whether the broker that answers can manage clients is the api's boot check, not this one.
 *
 * Returns the variables api and worker need on top of the environment (the generated password).
 */
export async function ensureBroker(
  config: AppConfig,
  root: string,
  log: (line: string) => void,
): Promise<Record<string, string>> {
  const url = new URL(config.mqtt.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || (url.protocol === 'mqtts:' ? 8883 : 1883));
  const local = isLoopback(config.mqtt.url) && url.protocol === 'mqtt:';
  const dataDir = join(root, '.data', 'mosquitto');
  const extraEnv: Record<string, string> = {};
  let password = config.mqtt.password;
  if (!password) {
    if (!local || config.env === 'production') {
      throw new CliError(
        `MQTT_PASSWORD is not set: set it to the password of the broker account ${config.mqtt.username} at ${url.host}`,
      );
    }
    const dev = devBrokerPassword(dataDir);
    password = dev.password;
    extraEnv.MQTT_PASSWORD = password;
    log(
      dev.created
        ? `generated the broker password of ${config.mqtt.username} (kept in .data/mosquitto/labwire-password)`
        : `broker password of ${config.mqtt.username}: from .data/mosquitto/labwire-password`,
    );
  }
  if (await portAnswers(port, host === 'localhost' ? '127.0.0.1' : host)) return extraEnv;
  if (!local) {
    throw new CliError(
      `The MQTT broker is not reachable at ${url.host}.\n` +
        "  Start it with: docker compose up -d mosquitto  (or point MQTT_URL at Labwire's broker)",
    );
  }
  if (!findMosquitto() || !findDynsecPlugin()) {
    throw new CliError(
      `No MQTT broker answers on ${url.host}, and Mosquitto 2 with its dynamic security plugin is not installed here.\n` +
        '  Install it (apt install mosquitto) or run: docker compose up -d mosquitto  (then set MQTT_PASSWORD in .env)',
    );
  }
  log(`starting Labwire's MQTT broker on 127.0.0.1:${port} (docker/mosquitto/mosquitto.conf, data in .data/mosquitto)`);
  try {
    await startLocalBroker({ port, dataDir, username: config.mqtt.username, password, daemon: true });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  return extraEnv;
}
