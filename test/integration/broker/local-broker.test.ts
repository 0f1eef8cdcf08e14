import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBroker } from '../../../apps/cli/src/startup/local-broker';
import { loadConfig } from '../../../libs/core/src';
import { localBrokerPid, MosquittoDynsecBrokerAdmin, stopBrokerProcess } from '../../../libs/providers/src';
import { freePort } from '../../support/spawn-app';
import { REFUSED_AT_CONNECT, refusalCode } from '../../support/mqtt-test-client';
import { startTestBroker } from '../../support/test-broker';

/** `npm start` in development: the broker password is set at first start and the project's broker started. */
describe('npm start: the local broker', () => {
  const root = mkdtempSync(join(tmpdir(), 'labwire-start-'));
  const dataRoot = join(root, '.data');
  const dataDir = join(dataRoot, 'mosquitto');
  let url: string;
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);

  beforeAll(async () => {
    url = `mqtt://127.0.0.1:${await freePort()}`;
  });

  afterAll(async () => {
    // Waits for the broker to be gone: it writes its persistence file as it stops, and removing the
    // directory under it failed with ENOTEMPTY.
    // A broker that outlives the timeout is reported, not raced.
    const pid = localBrokerPid(dataDir);
    if (pid && !(await stopBrokerProcess(pid, 30_000))) throw new Error(`the test's broker (pid ${pid}) did not stop`);
    rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  });

  it('generates MQTT_PASSWORD once, starts the broker from the project config, and reuses both', async () => {
    const config = loadConfig({ NODE_ENV: 'development', MQTT_URL: url });
    const first = await ensureBroker(config, dataRoot, log);
    expect(first.env.MQTT_PASSWORD).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(readFileSync(join(dataDir, 'labwire-password'), 'utf8').trim()).toBe(first.env.MQTT_PASSWORD);
    expect(lines.join('\n')).toMatch(/generated the broker password of labwire/);
    expect(lines.join('\n')).toMatch(/starting Labwire's MQTT broker on 127\.0\.0\.1:/);
    expect(lines.join('\n')).not.toContain(first.env.MQTT_PASSWORD);

    const admin = new MosquittoDynsecBrokerAdmin({ url, username: 'labwire', password: first.env.MQTT_PASSWORD });
    try {
      await admin.verify();
    } finally {
      await admin.close();
    }
    expect(REFUSED_AT_CONNECT).toContain(await refusalCode(url, {}));

    // This call started it, so npm start stops it when it stops; a later call found it running.
    expect(first.launchedPid).toBe(localBrokerPid(dataDir));
    expect(first.launchedPid).toBeGreaterThan(0);

    lines.length = 0;
    const second = await ensureBroker(config, dataRoot, log);
    expect(second.env.MQTT_PASSWORD).toBe(first.env.MQTT_PASSWORD);
    expect(lines.join('\n')).not.toMatch(/starting/);
    expect(second.launchedPid).toBeUndefined();
  });

  it('refuses, before anything is created, a broker on the port that does not take the Labwire account', async () => {
    // Another checkout's broker: same project configuration, another password.
    const foreign = await startTestBroker();
    try {
      const config = loadConfig({ NODE_ENV: 'development', MQTT_URL: foreign.url });
      const err = await ensureBroker(config, join(root, 'other'), log).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toContain(`The MQTT broker at 127.0.0.1:${foreign.port} refused Labwire's account labwire`);
      expect(err?.message).toMatch(
        new RegExp(
          `Another broker holds port ${foreign.port} \\(pid ${foreign.broker.process!.pid}: \\S*mosquitto -c `,
        ),
      );
      expect(err?.message).toContain('stop that broker');
      expect(err?.message).toContain(`MQTT_URL=mqtt://127.0.0.1:${foreign.port + 1}`);
      // Its password was generated for this data directory, never shown.
      expect(err?.message).not.toMatch(/[A-Za-z0-9_-]{32}/);
    } finally {
      await foreign.stop();
    }
  });

  it('refuses a remote broker without MQTT_PASSWORD, naming the variable', async () => {
    const config = loadConfig({ NODE_ENV: 'development', MQTT_URL: 'mqtt://broker.example:1883' });
    await expect(ensureBroker(config, dataRoot, log)).rejects.toThrow(/MQTT_PASSWORD is not set/);
  });
});
