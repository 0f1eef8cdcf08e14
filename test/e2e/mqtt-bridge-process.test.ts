import { randomBytes } from 'node:crypto';
import { MqttClient } from 'mqtt';
import { waitFor } from '../support/built-app';
import { BuiltStack } from '../support/built-stack';
import { connectMqtt } from '../support/mqtt-test-client';
import { freePort, spawnBuilt, SpawnedApp, waitForHttp } from '../support/spawn-app';

/**
 * The MQTT bridge as its own process (`node dist/apps/bridge/main.js`, npm run start:bridge) beside an
 * api with API_MQTT_BRIDGE=false: the api does not subscribe to instrument topics, the bridge stores
 * telemetry and applies status messages, and each answers its own health and metrics.
 */
describe('the MQTT bridge as its own process (built api, bridge and worker)', () => {
  let stack: BuiltStack;
  let bridge: SpawnedApp | undefined;
  let bridgeUrl: string;
  let workspaceId: string;
  let instrument: { id: string; client: MqttClient };

  const stored = async (id: string) =>
    (await stack.pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM telemetry WHERE instrument_id = $1`, [id]))
      .rows[0].n;

  beforeAll(async () => {
    stack = await BuiltStack.start({ ownBroker: true, env: { API_MQTT_BRIDGE: 'false' } });
    workspaceId = (await stack.http('POST', '/api/v1/workspaces', { name: 'Bridge process' })).body.id;
    const created = await stack.http('POST', `/api/v1/workspaces/${workspaceId}/instruments`, {
      name: 'Probe',
      serialNumber: `SN-${randomBytes(4).toString('hex')}`,
    });
    const client = await connectMqtt(stack.env.MQTT_URL!, {
      username: created.body.id,
      password: created.body.mqttSecret,
      clientId: created.body.id,
    });
    instrument = { id: created.body.id, client };
  });

  afterAll(async () => {
    await instrument?.client.endAsync(true).catch(() => undefined);
    await bridge?.stop();
    await stack?.close();
  });

  it('an api with API_MQTT_BRIDGE=false is ready without the bridge and hears no instrument', async () => {
    const ready = await fetch(`${stack.apiUrl}/health/ready`);
    expect(ready.status).toBe(200);
    const report = (await ready.json()) as { checks: Record<string, unknown> };
    expect(Object.keys(report.checks).sort()).toEqual(['broker', 'database', 'redis']);
    // The bridge's series exist only where the bridge runs.
    const metrics = await fetch(`${stack.apiUrl}/metrics`).then((r) => r.text());
    expect(metrics).not.toContain('labwire_telemetry_messages_received_total');

    await instrument.client.publishAsync(
      `labwire/instruments/${instrument.id}/telemetry`,
      JSON.stringify({ values: { before: 1 } }),
      { qos: 1 },
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(await stored(instrument.id)).toBe(0);
  });

  it('the bridge process stores telemetry and applies status messages, and answers health and metrics', async () => {
    const port = await freePort();
    bridgeUrl = `http://127.0.0.1:${port}`;
    bridge = spawnBuilt('apps/bridge/main.js', { ...stack.env, BRIDGE_PORT: String(port) });
    await waitForHttp(`${bridgeUrl}/health/ready`, bridge, 30_000);

    const topic = `labwire/instruments/${instrument.id}/telemetry`;
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < 5; i++) {
      await instrument.client.publishAsync(topic, JSON.stringify({ ts: t0 + i, values: { v: i } }), { qos: 1 });
    }
    await waitFor(async () => (await stored(instrument.id)) === 5, 20_000, 'five readings stored through the bridge');

    await instrument.client.publishAsync(
      `labwire/instruments/${instrument.id}/status`,
      JSON.stringify({ state: 'offline' }),
      { qos: 1 },
    );
    await waitFor(
      async () =>
        (await stack.http('GET', `/api/v1/workspaces/${workspaceId}/instruments/${instrument.id}`)).body
          .connectionState === 'offline',
      15_000,
      'the status message applied by the bridge',
    );

    const metrics = await fetch(`${bridgeUrl}/metrics`).then((r) => r.text());
    expect(Number(/^labwire_telemetry_readings_enqueued_total (\d+)/m.exec(metrics)?.[1])).toBe(5);
    const health = (await fetch(`${bridgeUrl}/health/ready`).then((r) => r.json())) as {
      status: string;
      checks: Record<string, { status: string }>;
    };
    expect(health.status).toBe('ok');
    expect(health.checks.mqttBridge.status).toBe('up');
    // The bridge serves nothing else over HTTP.
    expect((await fetch(`${bridgeUrl}/api/v1/workspaces`)).status).toBe(404);
  });
});
