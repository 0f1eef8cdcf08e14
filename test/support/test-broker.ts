import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBroker, startLocalBroker } from '../../libs/providers/src/broker/local-mosquitto';

export interface TestBroker {
  url: string;
  port: number;
  username: string;
  password: string;
  /** MQTT_URL, MQTT_USERNAME, MQTT_PASSWORD for an api using this broker */
  env: Record<string, string>;
  broker: LocalBroker;
  /**
   * Ends the broker with `signal` (SIGTERM: a clean stop that saves its persistence file; SIGKILL: a
   * crash that keeps only the last autosave) and starts it again on the same port and data directory.
   */
  restart(signal: 'SIGTERM' | 'SIGKILL', whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A real Mosquitto run from the project's configuration (docker/mosquitto/mosquitto.conf, dynamic
 * security on) on a spare port with its own temporary data directory; `stop()` ends it and removes
 * the directory. The global setup starts one per jest worker (see testEnv); tests that look at the
 * broker's clients start their own, since every api reconciles the broker it uses with its database.
 */
export async function startTestBroker(): Promise<TestBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), 'labwire-mqtt-'));
  const username = 'labwire';
  const password = randomBytes(18).toString('base64url');
  // A port can be taken between the probe and the bind: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await sparePort();
    try {
      let broker = await startLocalBroker({ port, dataDir, username, password });
      const url = `mqtt://127.0.0.1:${port}`;
      const handle: TestBroker = {
        url,
        port,
        username,
        password,
        env: { MQTT_URL: url, MQTT_USERNAME: username, MQTT_PASSWORD: password },
        broker,
        async restart(signal, whileDown) {
          const child = broker.process!;
          if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise((r) => child.once('exit', r));
            child.kill(signal);
            await exited;
          }
          await whileDown?.();
          broker = await startLocalBroker({ port, dataDir, username, password });
          handle.broker = broker;
        },
        async stop() {
          await broker.stop();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
      return handle;
    } catch (err) {
      lastError = err;
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
  throw lastError;
}
