import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBroker } from '../../../apps/cli/src/startup/local-broker';
import { loadConfig } from '../../../libs/core/src';
import { MosquittoDynsecBrokerAdmin } from '../../../libs/providers/src';
import { freePort } from '../../support/spawn-app';
import { REFUSED_AT_CONNECT, refusalCode } from '../../support/mqtt-test-client';

/** `npm start` in development: the broker password is set at first start and the project's broker started. */
describe('npm start: the local broker', () => {
  const root = mkdtempSync(join(tmpdir(), 'labwire-start-'));
  const dataDir = join(root, '.data', 'mosquitto');
  let url: string;
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);

  beforeAll(async () => {
    url = `mqtt://127.0.0.1:${await freePort()}`;
  });

  afterAll(() => {
    const pidFile = join(dataDir, 'mosquitto.pid');
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
      } catch {
        // already gone
      }
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('generates MQTT_PASSWORD once, starts the broker from the project config, and reuses both', async () => {
    const config = loadConfig({ NODE_ENV: 'development', MQTT_URL: url });
    const first = await ensureBroker(config, root, log);
    expect(first.MQTT_PASSWORD).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(readFileSync(join(dataDir, 'labwire-password'), 'utf8').trim()).toBe(first.MQTT_PASSWORD);
    expect(lines.join('\n')).toMatch(/generated the broker password of labwire/);
    expect(lines.join('\n')).toMatch(/starting Labwire's MQTT broker on 127\.0\.0\.1:/);
    expect(lines.join('\n')).not.toContain(first.MQTT_PASSWORD);

    const admin = new MosquittoDynsecBrokerAdmin({ url, username: 'labwire', password: first.MQTT_PASSWORD });
    try {
      await admin.verify();
    } finally {
      await admin.close();
    }
    expect(REFUSED_AT_CONNECT).toContain(await refusalCode(url, {}));

    lines.length = 0;
    const second = await ensureBroker(config, root, log);
    expect(second.MQTT_PASSWORD).toBe(first.MQTT_PASSWORD);
    expect(lines.join('\n')).not.toMatch(/starting/);
  });

  it('refuses a remote broker without MQTT_PASSWORD, naming the variable', async () => {
    const config = loadConfig({ NODE_ENV: 'development', MQTT_URL: 'mqtt://broker.example:1883' });
    await expect(ensureBroker(config, root, log)).rejects.toThrow(/MQTT_PASSWORD is not set/);
  });
});
