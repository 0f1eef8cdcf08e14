import { join } from 'node:path';
import { AppConfig } from '@labwire/core';
import {
  devBrokerPassword,
  findDynsecPlugin,
  findMosquitto,
  localBrokerPid,
  portAnswers,
  portHolder,
  startLocalBroker,
  tryBrokerLogin,
} from '@labwire/providers';
import { CliError } from '../cli.error';
import { isLoopback } from './service-checks';

export interface BrokerSetup {
  /** variables api and worker need on top of the environment (the generated password) */
  env: Record<string, string>;
  /** the broker this call started, to stop when `npm start` stops */
  launchedPid?: number;
}

/**
 * `npm start`'s part of CONTRACT for the broker: MQTT_PASSWORD is generated at the first start in
 * development (kept in .data/mosquitto/labwire-password, reused afterwards), and when nothing answers on
 * a loopback MQTT_URL, Labwire's broker is started there from docker/mosquitto/mosquitto.conf with its
 * data in .data/mosquitto; `npm start` stops it again when it stops (`launchedPid`).
 * The broker that answers must take Labwire's credentials, checked here before anything is created (a
 * database, the first admin and its one-time password); whether it can manage clients is the api's boot
 * check.
 */
export async function ensureBroker(
  config: AppConfig,
  dataRoot: string,
  log: (line: string) => void,
): Promise<BrokerSetup> {
  const url = new URL(config.mqtt.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || (url.protocol === 'mqtts:' ? 8883 : 1883));
  const local = isLoopback(config.mqtt.url) && url.protocol === 'mqtt:';
  const dataDir = join(dataRoot, 'mosquitto');
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
  if (await portAnswers(port, host === 'localhost' ? '127.0.0.1' : host)) {
    await checkLogin(config, password, local ? port : undefined, log);
    return { env: extraEnv };
  }
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
  const launchedPid = localBrokerPid(dataDir);
  const login = await tryBrokerLogin(config.mqtt.url, config.mqtt.username, password);
  if (!login.ok) {
    // Our own broker, started from .data/mosquitto, whose account has another password (MQTT_PASSWORD
    // changed after the first start): stop it again and say where the two passwords live.
    if (launchedPid) process.kill(launchedPid, 'SIGTERM');
    throw new CliError(
      `Labwire's broker started from .data/mosquitto refused ${config.mqtt.username}'s password (${login.reason}).\n` +
        `  Its account keeps the password of its first start; MQTT_PASSWORD now differs. Set MQTT_PASSWORD back,\n` +
        `  or remove ${dataDir} to start the broker afresh (instruments must then be given new credentials).`,
    );
  }
  return { env: extraEnv, launchedPid };
}

/**
 * The broker already on the port must take Labwire's account. When it refuses, it is not the broker
 * `npm start` runs (another checkout's, or one with other accounts): say which process holds the port
 * and the two ways out.
 */
async function checkLogin(
  config: AppConfig,
  password: string,
  localPort: number | undefined,
  log: (line: string) => void,
): Promise<void> {
  const login = await tryBrokerLogin(config.mqtt.url, config.mqtt.username, password);
  if (login.ok) return;
  const where = new URL(config.mqtt.url).host;
  if (!login.refused) {
    // No answer to judge (a timeout, TLS): the api's own boot check reports on that broker.
    log(`could not sign in to the MQTT broker at ${where} to check it (${login.reason}); the api checks it again`);
    return;
  }
  const holder = localPort !== undefined ? portHolder(localPort) : undefined;
  const freePort = localPort !== undefined ? await nextQuietPort(localPort) : undefined;
  const lines = [
    `The MQTT broker at ${where} refused Labwire's account ${config.mqtt.username} (${login.reason}).`,
    localPort !== undefined
      ? `  Another broker holds port ${localPort}${holder ? ` (${holder})` : ''}, not the one npm start runs for this checkout.`
      : '  Check MQTT_USERNAME and MQTT_PASSWORD against the accounts of that broker.',
  ];
  if (localPort !== undefined) {
    lines.push(
      '  Either stop that broker (e.g. Ctrl+C the other `npm start`, or kill the pid above),',
      `  or give this checkout its own port: MQTT_URL=mqtt://127.0.0.1:${freePort} in .env (npm start starts a broker there).`,
    );
  }
  lines.push('  Nothing was created: the database and the first administrator come after this check.');
  throw new CliError(lines.join('\n'));
}

/** The first port after `port` where nothing answers now: the one to propose (the next may be taken too). */
async function nextQuietPort(port: number): Promise<number> {
  for (let candidate = port + 1; candidate < Math.min(port + 50, 65536); candidate++) {
    if (!(await portAnswers(candidate, '127.0.0.1'))) return candidate;
  }
  return port + 1;
}
