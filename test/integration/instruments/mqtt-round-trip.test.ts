import { INestApplicationContext } from '@nestjs/common';
import { MqttClient } from 'mqtt';
import { connectMqtt } from '../../support/mqtt-test-client';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestBroker, TestBroker } from '../../support/test-broker';
import { startTestWorker } from '../../support/test-worker';
import { createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/**
 * Over the real broker, as an instrument sees Labwire: a simulated instrument signs in with its own
 * credentials and a last will, announces itself on its status topic, receives a command and replies
 * on its reply topic; the api's MQTT side (the hybrid transport) and the worker do the rest.
 */
describe('instrument over MQTT: status, last will, commands and replies', () => {
  // Each test waits on several hops (broker → api → worker → broker) that a full CI run slows down.
  jest.setTimeout(90_000);
  let api: TestApi;
  let broker: TestBroker;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  const clients: MqttClient[] = [];

  const instrumentPath = (id: string, rest = '') => `/api/v1/workspaces/${crew.workspaceId}/instruments/${id}${rest}`;
  const read = async (path: string) => (await api.request('GET', path, { token: crew.viewer.token })).body;

  // Generous: under a full CI run (two test files at a time on 2 cores) a hop can take seconds.
  async function until<T>(get: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 25_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let value = await get();
    while (!done(value) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      value = await get();
    }
    return value;
  }

  /** Signs in as the instrument, with `{"state":"offline"}` as its retained last will, and subscribes to its commands. */
  async function instrument(body: Record<string, unknown> = {}) {
    const created = await createInstrument(api, crew.editor, crew.workspaceId, body);
    const id: string = created.id;
    const status = `labwire/instruments/${id}/status`;
    const client = await connectMqtt(api.config.mqtt.url, {
      username: id,
      password: created.mqttSecret,
      clientId: id,
      will: { topic: status, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true },
    });
    clients.push(client);
    const commands: Array<{ topic: string; body: any }> = [];
    client.on('message', (topic, payload) => commands.push({ topic, body: JSON.parse(payload.toString()) }));
    await client.subscribeAsync(`labwire/instruments/${id}/commands/+`, { qos: 1 });
    return {
      id,
      secret: created.mqttSecret as string,
      client,
      commands,
      announce: (state: string) => client.publishAsync(status, JSON.stringify({ state }), { qos: 1, retain: true }),
      reply: (commandId: string, payload: unknown) =>
        client.publishAsync(`labwire/instruments/${id}/commands/${commandId}/reply`, JSON.stringify(payload), {
          qos: 1,
        }),
      /** The connection dies without a DISCONNECT: the broker publishes the last will. */
      vanish: () => (client as unknown as { stream: { destroy(): void } }).stream.destroy(),
    };
  }

  beforeAll(async () => {
    // Its own broker: every api reconciles the broker it uses with its database at boot, removing
    // instrument clients it does not know, so on the run's shared broker another test file's api
    // could sign this test's instruments out mid-test.
    broker = await startTestBroker();
    api = await startTestApi(broker.env);
    worker = await startTestWorker(api);
    crew = await createWorkspaceCrew(api);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await worker?.close();
    await api?.close();
    await broker?.stop();
  });

  it('goes online from its status message, offline from its last will, online again from its telemetry', async () => {
    const sim = await instrument();
    await sim.announce('online');
    expect(
      (
        await until(
          () => read(instrumentPath(sim.id)),
          (i) => i.connectionState === 'online',
        )
      ).connectionState,
    ).toBe('online');
    sim.vanish();
    expect(
      (
        await until(
          () => read(instrumentPath(sim.id)),
          (i) => i.connectionState === 'offline',
        )
      ).connectionState,
    ).toBe('offline');

    // back, but silent on its status topic: its telemetry (stored by the worker) says it is there
    const back = await connectMqtt(api.config.mqtt.url, {
      username: sim.id,
      password: sim.secret,
      clientId: sim.id,
    });
    clients.push(back);
    await back.publishAsync(`labwire/instruments/${sim.id}/telemetry`, JSON.stringify({ values: { temp: 21.5 } }), {
      qos: 1,
    });
    expect(
      (
        await until(
          () => read(instrumentPath(sim.id)),
          (i) => i.connectionState === 'online',
        )
      ).connectionState,
    ).toBe('online');
    const history = await read(instrumentPath(sim.id, '/state-history'));
    expect(history.items.map((t: any) => `${t.from}>${t.to}:${t.source}`)).toEqual([
      'offline>online:telemetry',
      'online>offline:status',
      'unknown>online:status',
    ]);
  });

  it('command round trip: received by the instrument, closed by the reply it publishes', async () => {
    const sim = await instrument();
    await sim.announce('online');
    await until(
      () => read(instrumentPath(sim.id)),
      (i) => i.connectionState === 'online',
    );
    const created = await api.request('POST', instrumentPath(sim.id, '/commands'), {
      token: crew.editor.token,
      body: { name: 'measure', params: { channel: 2 } },
    });
    expect(created.body.status).toBe('sent');
    await until(
      async () => sim.commands.length,
      (n) => n > 0,
    );
    expect(sim.commands[0]).toEqual({
      topic: `labwire/instruments/${sim.id}/commands/${created.body.id}`,
      body: { name: 'measure', params: { channel: 2 } },
    });
    // a malformed reply is dropped: the command still waits
    await sim.reply(created.body.id, { ok: 'yes' });
    await sim.reply(created.body.id, { ok: true, result: { reading: 4.2 } });
    const done = await until(
      () => read(instrumentPath(sim.id, `/commands/${created.body.id}`)),
      (c) => c.status !== 'sent',
    );
    expect(done).toMatchObject({ status: 'succeeded', result: { reading: 4.2 } });
  });

  it('a command waits while the instrument is offline and reaches it when it announces itself', async () => {
    const sim = await instrument();
    await sim.announce('offline');
    await until(
      () => read(instrumentPath(sim.id)),
      (i) => i.connectionState === 'offline',
    );
    const created = await api.request('POST', instrumentPath(sim.id, '/commands'), {
      token: crew.editor.token,
      body: { name: 'wake', timeoutSeconds: 1 },
    });
    expect(created.body.status).toBe('queued');
    await sim.announce('online');
    await until(
      async () => sim.commands.length,
      (n) => n > 0,
    );
    expect(sim.commands.map((c) => c.body.name)).toEqual(['wake']);
    // it does not reply: timed out by the worker after 1 s; a late reply changes nothing
    const closed = await until(
      () => read(instrumentPath(sim.id, `/commands/${created.body.id}`)),
      (c) => c.status === 'timed_out',
    );
    expect(closed.status).toBe('timed_out');
    await sim.reply(created.body.id, { ok: true });
    await new Promise((r) => setTimeout(r, 300));
    expect((await read(instrumentPath(sim.id, `/commands/${created.body.id}`))).status).toBe('timed_out');
  });
});
