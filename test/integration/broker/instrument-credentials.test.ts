import { randomBytes } from 'node:crypto';
import { MqttClient } from 'mqtt';
import { MqttBridgeState } from '../../../apps/api/src/mqtt/mqtt-bridge-state';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestBroker, TestBroker } from '../../support/test-broker';
import { connectMqtt, MessageLog, REFUSED_AT_CONNECT, refusalCode } from '../../support/mqtt-test-client';
import { createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/**
 * Instrument credentials against a real Mosquitto run from the project's configuration: each
 * instrument may use only its own topics, and creating, rotating, retiring and deleting it changes
 * the broker at once.
 */
describe('instrument MQTT credentials and topic ACLs', () => {
  let broker: TestBroker;
  let api: TestApi;
  let crew: WorkspaceCrew;
  let admin: MqttClient;
  let seen: MessageLog;
  const clients: MqttClient[] = [];

  const topics = (id: string) => ({
    telemetry: `labwire/instruments/${id}/telemetry`,
    status: `labwire/instruments/${id}/status`,
    command: `labwire/instruments/${id}/commands/c-1`,
    reply: `labwire/instruments/${id}/commands/c-1/reply`,
    commands: `labwire/instruments/${id}/commands/+`,
  });
  const unique = () => JSON.stringify({ n: randomBytes(6).toString('hex') });
  const base = () => `/api/v1/workspaces/${crew.workspaceId}/instruments`;

  async function signIn(username: string, password: string): Promise<MqttClient> {
    const client = await connectMqtt(broker.url, {
      username,
      password,
      // Instruments sign in with their own id as client id (the broker refuses any other).
      clientId: username === broker.username ? `t-${randomBytes(4).toString('hex')}` : username,
    });
    clients.push(client);
    return client;
  }

  async function newInstrument(): Promise<{ id: string; secret: string }> {
    const body = await createInstrument(api, crew.editor, crew.workspaceId);
    return { id: body.id, secret: body.mqttSecret };
  }

  beforeAll(async () => {
    broker = await startTestBroker();
    api = await startTestApi(broker.env);
    crew = await createWorkspaceCrew(api);
    // Labwire's own account reads every instrument topic: it witnesses what is delivered.
    admin = await signIn(broker.username, broker.password);
    seen = new MessageLog(admin);
    await admin.subscribeAsync('labwire/#', { qos: 1 });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await api?.close();
    await broker?.stop();
  });

  it('issues the secret once, at creation: never in reads or lists', async () => {
    const created = await createInstrument(api, crew.editor, crew.workspaceId);
    expect(created.mqttUsername).toBe(created.id);
    expect(typeof created.mqttSecret).toBe('string');
    const got = await api.request('GET', `${base()}/${created.id}`, { token: crew.viewer.token });
    const list = await api.request('GET', base(), { token: crew.viewer.token });
    expect(JSON.stringify([got.body, list.body])).not.toContain(created.mqttSecret);
    expect(got.body).not.toHaveProperty('mqttSecret');
    const audit = await api.request('GET', `/api/v1/workspaces/${crew.workspaceId}/audit-log`, {
      token: crew.owner.token,
    });
    expect(JSON.stringify(audit.body)).not.toContain(created.mqttSecret);
  });

  describe('the ACL matrix', () => {
    let a: { id: string; secret: string };
    let b: { id: string; secret: string };
    let clientA: MqttClient;
    let receivedByA: MessageLog;

    beforeAll(async () => {
      [a, b] = [await newInstrument(), await newInstrument()];
      clientA = await signIn(a.id, a.secret);
      receivedByA = new MessageLog(clientA);
    });

    it("A publishes its own telemetry, status and command replies (delivered to Labwire's account)", async () => {
      for (const topic of [topics(a.id).telemetry, topics(a.id).status, topics(a.id).reply]) {
        const payload = unique();
        await clientA.publishAsync(topic, payload, { qos: 1 });
        expect(await seen.received(topic, payload)).toBe(true);
      }
    });

    it('A subscribes to its own commands and receives them', async () => {
      const granted = await clientA.subscribeAsync(topics(a.id).commands, { qos: 1 });
      expect(granted[0].qos).toBeLessThan(0x80);
      const payload = unique();
      await admin.publishAsync(topics(a.id).command, payload, { qos: 1 });
      expect(await receivedByA.received(topics(a.id).command, payload)).toBe(true);
    });

    it("A cannot publish to B's topics, nor to a command topic: nothing is delivered", async () => {
      const forbidden = [
        topics(b.id).telemetry,
        topics(b.id).status,
        topics(b.id).reply,
        topics(a.id).command, // commands come from Labwire, never from an instrument
        'labwire/alerts/current',
      ];
      for (const topic of forbidden) {
        const payload = unique();
        // MQTT 5: the broker answers a refused QoS 1 publish with a PUBACK reason code >= 0x80.
        const outcome = await clientA.publishAsync(topic, payload, { qos: 1 }).then(
          () => 'accepted',
          (err: Error) => err.message,
        );
        expect(outcome).toMatch(/not authori[sz]ed/i);
        expect(await seen.received(topic, payload, 500)).toBe(false);
      }
    });

    it("A cannot subscribe to B's commands or to wider filters (SUBACK 0x87); B's commands never reach it", async () => {
      for (const filter of [topics(b.id).commands, 'labwire/instruments/+/commands/+', 'labwire/#', '#']) {
        const refused = await clientA.subscribeAsync(filter, { qos: 1 }).then(
          () => undefined,
          (err: { packet?: { granted?: number[] } }) => err.packet?.granted?.[0],
        );
        expect(refused).toBe(0x87);
      }
      const payload = unique();
      await admin.publishAsync(topics(b.id).command, payload, { qos: 1 });
      expect(await receivedByA.received(topics(b.id).command, payload, 500)).toBe(false);
    });

    it('refuses at CONNECT: anonymous, a wrong password, another instrument’s secret, an unknown id', async () => {
      expect(REFUSED_AT_CONNECT).toContain(await refusalCode(broker.url, {}));
      expect(REFUSED_AT_CONNECT).toContain(
        await refusalCode(broker.url, { username: a.id, password: 'wrong', clientId: a.id }),
      );
      expect(REFUSED_AT_CONNECT).toContain(
        await refusalCode(broker.url, { username: a.id, password: b.secret, clientId: a.id }),
      );
      expect(REFUSED_AT_CONNECT).toContain(
        await refusalCode(broker.url, { username: '00000000-0000-4000-8000-000000000000', password: a.secret }),
      );
    });
  });

  describe('client ids are bound to their owner (no session takeover)', () => {
    let a: { id: string; secret: string };
    let b: { id: string; secret: string };

    beforeAll(async () => {
      [a, b] = [await newInstrument(), await newInstrument()];
    });

    const takeover = (clientId: string) =>
      refusalCode(broker.url, {
        username: a.id,
        password: a.secret,
        clientId,
        clean: false,
        properties: { sessionExpiryInterval: 600 },
      });

    it("an instrument's credentials with the api's client id are refused; the api keeps its session", async () => {
      const bridge = api.app.get(MqttBridgeState);
      const connections = bridge.connectionCount;
      expect(bridge.subscribed).toBe(true);
      expect(REFUSED_AT_CONNECT).toContain(await takeover(api.config.mqtt.clientId));
      // Labwire's other connections' ids, as the api and worker name them, are refused the same way.
      expect(REFUSED_AT_CONNECT).toContain(await takeover('labwire-api-host'));
      expect(REFUSED_AT_CONNECT).toContain(await takeover(`labwire-pub-${randomBytes(6).toString('hex')}`));
      await new Promise((r) => setTimeout(r, 300));
      expect(bridge.connectionCount).toBe(connections);
      expect(bridge.subscribed).toBe(true);
    });

    it("an instrument's credentials with another instrument's id are refused; the victim keeps its session and commands", async () => {
      const victim = await signIn(b.id, b.secret);
      let closed = 0;
      victim.on('close', () => closed++);
      const commands = new MessageLog(victim);
      await victim.subscribeAsync(topics(b.id).commands, { qos: 1 });

      expect(REFUSED_AT_CONNECT).toContain(await takeover(b.id));
      const payload = unique();
      await admin.publishAsync(topics(b.id).command, payload, { qos: 1 });
      expect(await commands.received(topics(b.id).command, payload)).toBe(true);
      expect(closed).toBe(0);
      expect(victim.connected).toBe(true);
    });

    it('an instrument signs in with its own id only', async () => {
      expect(REFUSED_AT_CONNECT).toContain(await takeover(`sim-${randomBytes(4).toString('hex')}`));
      await (await signIn(a.id, a.secret)).endAsync();
    });
  });

  describe('rotation', () => {
    it('issues a new secret (editors only); the old one is refused and its open session closed', async () => {
      const x = await newInstrument();
      const session = await signIn(x.id, x.secret);
      const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));

      const url = `${base()}/${x.id}/credentials/rotate`;
      expect((await api.request('POST', url, { token: crew.viewer.token })).status).toBe(403);
      const rotated = await api.request('POST', url, { token: crew.editor.token });
      expect(rotated.status).toBe(200);
      expect(rotated.headers['cache-control']).toBe('no-store');
      expect(rotated.body).toEqual({ mqttUsername: x.id, mqttSecret: expect.any(String) });
      expect(rotated.body.mqttSecret).not.toBe(x.secret);

      await closed;
      expect(REFUSED_AT_CONNECT).toContain(
        await refusalCode(broker.url, { username: x.id, password: x.secret, clientId: x.id }),
      );
      const fresh = await signIn(x.id, rotated.body.mqttSecret);
      const payload = unique();
      await fresh.publishAsync(topics(x.id).telemetry, payload, { qos: 1 });
      expect(await seen.received(topics(x.id).telemetry, payload)).toBe(true);

      const missing = await api.request('POST', `${base()}/00000000-0000-4000-8000-000000000000/credentials/rotate`, {
        token: crew.editor.token,
      });
      expect(missing.status).toBe(404);
    });
  });

  describe('retiring and deleting', () => {
    it('retiring locks the instrument out at once (session closed, CONNECT refused); back in service lets it in', async () => {
      const x = await newInstrument();
      const session = await signIn(x.id, x.secret);
      const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));

      const retired = await api.request('PATCH', `${base()}/${x.id}`, {
        token: crew.editor.token,
        body: { status: 'retired' },
      });
      expect(retired.status).toBe(200);
      await closed;
      expect(REFUSED_AT_CONNECT).toContain(
        await refusalCode(broker.url, { username: x.id, password: x.secret, clientId: x.id }),
      );

      // maintenance is not retirement: the instrument may still report
      const back = await api.request('PATCH', `${base()}/${x.id}`, {
        token: crew.editor.token,
        body: { status: 'maintenance' },
      });
      expect(back.status).toBe(200);
      await (await signIn(x.id, x.secret)).endAsync();
    });

    it('an instrument created retired cannot connect until it is brought back', async () => {
      const body = await createInstrument(api, crew.editor, crew.workspaceId, { status: 'retired' });
      expect(REFUSED_AT_CONNECT).toContain(
        await refusalCode(broker.url, { username: body.id, password: body.mqttSecret, clientId: body.id }),
      );
      await api.request('PATCH', `${base()}/${body.id}`, { token: crew.editor.token, body: { status: 'active' } });
      await (await signIn(body.id, body.mqttSecret)).endAsync();
    });

    it('deleting the workspace removes the clients of all its instruments', async () => {
      const doomed = await createWorkspaceCrew(api, 'Doomed');
      const one = await createInstrument(api, doomed.editor, doomed.workspaceId);
      const two = await createInstrument(api, doomed.editor, doomed.workspaceId);
      await (await signIn(one.id, one.mqttSecret)).endAsync();
      const res = await api.request('DELETE', `/api/v1/workspaces/${doomed.workspaceId}`, {
        token: doomed.owner.token,
      });
      expect(res.status).toBe(204);
      for (const x of [one, two]) {
        expect(REFUSED_AT_CONNECT).toContain(
          await refusalCode(broker.url, { username: x.id, password: x.mqttSecret, clientId: x.id }),
        );
      }
    });

    it('deleting removes the client at once', async () => {
      const x = await newInstrument();
      const session = await signIn(x.id, x.secret);
      const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
      expect((await api.request('DELETE', `${base()}/${x.id}`, { token: crew.editor.token })).status).toBe(204);
      await closed;
      expect(REFUSED_AT_CONNECT).toContain(
        await refusalCode(broker.url, { username: x.id, password: x.secret, clientId: x.id }),
      );
    });
  });
});
