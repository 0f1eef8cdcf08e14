import { MqttClient } from 'mqtt';
import { DataSource } from 'typeorm';
import { connectMqtt } from '../../support/mqtt-test-client';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestBroker, TestBroker } from '../../support/test-broker';
import {
  createInstrument,
  createLocation,
  createWorkspaceCrew,
  WorkspaceCrew,
} from '../../support/workspace-factories';

interface Display {
  client: MqttClient;
  /** every current-alert message received, by topic, in arrival order */
  messages: Map<string, any[]>;
}

/**
 * Alerts over MQTT against a real Mosquitto with dynamic security: instruments raising alerts on
 * their own topic, displays reading the retained current alert with their own credentials (and
 * nobody else reading it), the seq order under a burst, silences.
 */
describe('alerts over MQTT', () => {
  let api: TestApi;
  /** a second api on the same database, Redis and broker, as another replica would be */
  let replica: TestApi;
  let broker: TestBroker;
  let crew: WorkspaceCrew;
  let ds: DataSource;
  let locationId: string;
  const clients: MqttClient[] = [];
  const ws = () => `/api/v1/workspaces/${crew.workspaceId}`;
  const wsTopic = () => `labwire/workspaces/${crew.workspaceId}/alerts/current`;
  const locTopic = () => `labwire/workspaces/${crew.workspaceId}/locations/${locationId}/alerts/current`;
  const trigger = (key: string, body: Record<string, unknown> = {}, via = api) =>
    via.request('POST', `${ws()}/alerts/${key}/trigger`, { token: crew.editor.token, body });
  const clear = (key: string, body: Record<string, unknown> = {}, via = api) =>
    via.request('POST', `${ws()}/alerts/${key}/clear`, { token: crew.editor.token, body });

  async function until<T>(read: () => Promise<T> | T, done: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let value = await read();
    while (!done(value) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      value = await read();
    }
    return value;
  }

  async function connectInstrument(created: { id: string; mqttSecret: string }): Promise<MqttClient> {
    const client = await connectMqtt(broker.url, {
      username: created.id,
      password: created.mqttSecret,
      clientId: created.id,
    });
    clients.push(client);
    return client;
  }

  async function display(created: { id: string; mqttSecret: string }, topics: string[]): Promise<Display> {
    const client = await connectInstrument(created);
    const messages = new Map<string, any[]>();
    client.on('message', (topic, payload) => {
      const list = messages.get(topic) ?? [];
      list.push(JSON.parse(payload.toString()));
      messages.set(topic, list);
    });
    expect(await subscribeCodes(client, topics)).toEqual(topics.map(() => 1));
    return { client, messages };
  }

  const last = (d: Display, topic: string) => d.messages.get(topic)?.at(-1);

  /** The SUBACK reason codes (granted QoS, or ≥ 0x80 when refused); mqtt.js rejects when any is refused. */
  async function subscribeCodes(client: MqttClient, topics: string | string[]): Promise<number[]> {
    try {
      return (await client.subscribeAsync(topics, { qos: 1 })).map((g) => g.qos);
    } catch (err) {
      const packet = (err as { packet?: { granted?: Array<number | { qos: number }> } }).packet;
      if (!packet?.granted) throw err;
      return packet.granted.map((g) => (typeof g === 'number' ? g : g.qos));
    }
  }

  beforeAll(async () => {
    // Its own broker: every api reconciles its broker with its database at boot (see commands.test.ts).
    broker = await startTestBroker();
    api = await startTestApi({ ...broker.env, LOGIN_IP_LIMIT_PER_MINUTE: '1000' });
    replica = await startTestApi(
      {
        ...broker.env,
        API_MQTT_BRIDGE: 'false',
        REDIS_KEY_PREFIX: api.config.redis.prefix,
        JWT_SECRET: api.config.auth.jwtSecret,
      },
      { databaseUrl: api.dbUrl },
    );
    crew = await createWorkspaceCrew(api, 'Display lab');
    ds = api.app.get(DataSource);
    locationId = (await createLocation(api, crew.owner, crew.workspaceId, { name: 'Cold room' })).id;
    // the bridge hears instrument topics once its subscriptions are granted
    const ready = await until(
      () => api.request('GET', '/health/ready'),
      (r) => r.status === 200,
    );
    expect(ready.status).toBe(200);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await replica?.close();
    await api?.close();
    await broker?.stop();
  });

  describe('the display role', () => {
    it("lets a display subscribe read-only to its workspace's and location's topics, and nobody else", async () => {
      const shown = await createInstrument(api, crew.editor, crew.workspaceId, {
        capabilities: { display: true },
        locationId,
      });
      const plain = await createInstrument(api, crew.editor, crew.workspaceId, { locationId });
      const d = await display(shown, [wsTopic(), locTopic()]);
      // read-only: publishing there is refused
      await expect(d.client.publishAsync(wsTopic(), '{"active":false,"seq":999999}', { qos: 1 })).rejects.toThrow();
      const other = await createWorkspaceCrew(api, 'Other lab');
      const foreignTopic = `labwire/workspaces/${other.workspaceId}/alerts/current`;
      expect((await subscribeCodes(d.client, foreignTopic))[0]).toBeGreaterThanOrEqual(0x80);
      const p = await connectInstrument(plain);
      expect((await subscribeCodes(p, [wsTopic(), locTopic()])).map((code) => code >= 0x80)).toEqual([true, true]);
    });

    it('follows capability and location changes', async () => {
      const inst = await createInstrument(api, crew.editor, crew.workspaceId);
      let c = await connectInstrument(inst);
      expect((await subscribeCodes(c, wsTopic()))[0]).toBeGreaterThanOrEqual(0x80);
      await c.endAsync(true);
      const patched = await api.request('PATCH', `${ws()}/instruments/${inst.id}`, {
        token: crew.editor.token,
        body: { capabilities: { display: true }, locationId },
      });
      expect(patched.status).toBe(200);
      c = await until(
        () => connectInstrument(inst).catch(() => null as unknown as MqttClient),
        (client) => client !== null,
      );
      expect(await subscribeCodes(c, [wsTopic(), locTopic()])).toEqual([1, 1]);
      await c.endAsync(true);
      await api.request('PATCH', `${ws()}/instruments/${inst.id}`, {
        token: crew.editor.token,
        body: { capabilities: {} },
      });
      c = await connectInstrument(inst);
      expect((await subscribeCodes(c, wsTopic()))[0]).toBeGreaterThanOrEqual(0x80);
    });
  });

  describe('instrument alerts', () => {
    it('records the alerts an instrument raises and clears on its own topic, and drops malformed ones', async () => {
      const inst = await createInstrument(api, crew.editor, crew.workspaceId);
      const c = await connectInstrument(inst);
      await c.publishAsync(
        `labwire/instruments/${inst.id}/alerts`,
        JSON.stringify({ key: 'lid-open', state: 'triggered', priority: 2, note: 'lid sensor' }),
        { qos: 1 },
      );
      // (the broker acknowledges the instrument at once; the bridge acknowledges the broker once recorded)
      const open = await until(
        () =>
          ds.query(`SELECT state, priority, note FROM alerts WHERE instrument_id = $1 AND key = 'lid-open'`, [inst.id]),
        (rows) => rows.length > 0,
      );
      expect(open).toEqual([{ state: 'active', priority: 2, note: 'lid sensor' }]);
      const history = await ds.query(`SELECT actor_kind, actor_id FROM alert_history WHERE instrument_id = $1`, [
        inst.id,
      ]);
      expect(history).toEqual([{ actor_kind: 'instrument', actor_id: inst.id }]);
      await c.publishAsync(
        `labwire/instruments/${inst.id}/alerts`,
        JSON.stringify({ key: 'lid-open', state: 'cleared' }),
        {
          qos: 1,
        },
      );
      const after = await until(
        () => ds.query(`SELECT state FROM alerts WHERE instrument_id = $1`, [inst.id]),
        (rows) => rows[0]?.state === 'resolved',
      );
      expect(after).toEqual([{ state: 'resolved' }]);
      // malformed messages are dropped; a valid one after them is still recorded (the pipeline goes on)
      const topic = `labwire/instruments/${inst.id}/alerts`;
      await c.publishAsync(topic, '{"key": "Bad Key", "state": "triggered"}', { qos: 1 });
      await c.publishAsync(topic, 'not json', { qos: 1 });
      await c.publishAsync(topic, JSON.stringify({ key: 'after-junk', state: 'triggered' }), { qos: 1 });
      const keys = await until(
        () => ds.query(`SELECT key FROM alerts WHERE instrument_id = $1 ORDER BY key`, [inst.id]),
        (rows) => rows.length >= 2,
      );
      expect(keys).toEqual([{ key: 'after-junk' }, { key: 'lid-open' }]);
    });

    it("refuses an instrument's alert on another instrument's topic", async () => {
      // MQTT 5: the broker answers the refused QoS 1 publish with a failing PUBACK reason code
      const a = await createInstrument(api, crew.editor, crew.workspaceId);
      const b = await createInstrument(api, crew.editor, crew.workspaceId);
      const c = await connectInstrument(a);
      await expect(
        c.publishAsync(`labwire/instruments/${b.id}/alerts`, JSON.stringify({ key: 'spoof', state: 'triggered' }), {
          qos: 1,
        }),
      ).rejects.toThrow();
      expect(await ds.query(`SELECT count(*)::int AS n FROM alerts WHERE key = 'spoof'`)).toEqual([{ n: 0 }]);
    });

    it('gives 30 concurrent REST triggers plus 20 MQTT triggers of one key exactly one open alert (triggerCount 50)', async () => {
      const inst = await createInstrument(api, crew.editor, crew.workspaceId);
      const c = await connectInstrument(inst);
      const topic = `labwire/instruments/${inst.id}/alerts`;
      await Promise.all([
        ...Array.from({ length: 30 }, () => trigger('mixed-burst', { instrumentId: inst.id })),
        ...Array.from({ length: 20 }, () =>
          c.publishAsync(topic, JSON.stringify({ key: 'mixed-burst', state: 'triggered' }), { qos: 1 }),
        ),
      ]);
      const history = () =>
        ds.query(`SELECT count(*)::int AS n FROM alert_history WHERE instrument_id = $1`, [inst.id]) as Promise<
          Array<{ n: number }>
        >;
      expect(await until(history, (rows) => rows[0].n >= 50)).toEqual([{ n: 50 }]);
      const rows = await ds.query(
        `SELECT trigger_count, state FROM alerts WHERE instrument_id = $1 AND key = 'mixed-burst'`,
        [inst.id],
      );
      expect(rows).toEqual([{ trigger_count: 50, state: 'active' }]);
      const actors = await ds.query(
        `SELECT actor_kind, count(*)::int AS n FROM alert_history WHERE instrument_id = $1 GROUP BY 1 ORDER BY 1`,
        [inst.id],
      );
      expect(actors).toEqual([
        { actor_kind: 'instrument', n: 20 },
        { actor_kind: 'user', n: 30 },
      ]);
    });
  });

  describe('the retained current alert', () => {
    it('shows a display only rising seqs through a burst of 200 triggers and clears on two replicas, ending on the current state', async () => {
      const shown = await createInstrument(api, crew.editor, crew.workspaceId, {
        capabilities: { display: true },
        locationId,
      });
      const inLocation = await createInstrument(api, crew.editor, crew.workspaceId, { locationId });
      const d = await display(shown, [wsTopic(), locTopic()]);
      const keys = ['b-0', 'b-1', 'b-2', 'b-3', 'b-4'];
      const ops = Array.from({ length: 200 }, (_, i) => {
        const key = keys[i % keys.length];
        const body = { priority: (i % 5) + 1, ...(i % 3 === 0 ? { instrumentId: inLocation.id } : {}) };
        // every other operation through the other replica: their publications race for the same topics
        const via = i % 2 ? replica : api;
        return i % 4 === 3
          ? () => clear(key, i % 3 === 0 ? { instrumentId: inLocation.id } : {}, via)
          : () => trigger(key, body, via);
      });
      for (let i = 0; i < ops.length; i += 25) {
        const results = await Promise.all(ops.slice(i, i + 25).map((op) => op()));
        expect(results.every((r) => r.status === 200)).toBe(true);
      }
      const current = (await api.request('GET', `${ws()}/alerts/current`, { token: crew.viewer.token })).body;
      const shownLast = await until(
        () => last(d, wsTopic()),
        (m) => m?.seq === current.seq,
      );
      expect(shownLast).toEqual(current);
      for (const topic of [wsTopic(), locTopic()]) {
        const seqs = (d.messages.get(topic) ?? []).map((m) => m.seq);
        expect(seqs.length).toBeGreaterThan(1);
        for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
      }
      // The location topic shows only alerts of the location's instruments.
      const locationLast = last(d, locTopic());
      if (locationLast.active) expect(locationLast.instrumentId).toBe(inLocation.id);
      // A display connecting now gets the retained state at once.
      const late = await createInstrument(api, crew.editor, crew.workspaceId, { capabilities: { display: true } });
      const lateDisplay = await display(late, [wsTopic()]);
      expect(
        await until(
          () => last(lateDisplay, wsTopic()),
          (m) => m !== undefined,
        ),
      ).toEqual(current);
    });

    it('hides silenced alerts from displays but records them, and shows them when the silence is deleted', async () => {
      const crew2 = await createWorkspaceCrew(api, 'Silence lab');
      const path = `/api/v1/workspaces/${crew2.workspaceId}`;
      const topic = `labwire/workspaces/${crew2.workspaceId}/alerts/current`;
      const shown = await createInstrument(api, crew2.editor, crew2.workspaceId, { capabilities: { display: true } });
      const d = await display(shown, [topic]);
      const t = (key: string, body = {}) =>
        api.request('POST', `${path}/alerts/${key}/trigger`, { token: crew2.editor.token, body });
      await t('background', { priority: 4 });
      const silence = await api.request('POST', `${path}/alert-silences`, {
        token: crew2.editor.token,
        body: { key: 'defrost', endsAt: new Date(Date.now() + 3600_000).toISOString(), reason: 'defrost cycle' },
      });
      expect(silence.status).toBe(201);
      const res = await t('defrost', { priority: 1 });
      expect(res.body).toMatchObject({ opened: true, silenced: true });
      const after = await until(
        () => last(d, topic),
        (m) => m?.key === 'background',
      );
      expect(after).toMatchObject({ active: true, key: 'background', priority: 4 });
      const current = await api.request('GET', `${path}/alerts/current`, { token: crew2.viewer.token });
      expect(current.body.key).toBe('background');
      const history = await api.request('GET', `${path}/alerts/history`, {
        token: crew2.viewer.token,
        query: { key: 'defrost' },
      });
      expect(history.body.items.map((e: any) => e.action)).toEqual(['suppressed']);
      const del = await api.request('DELETE', `${path}/alert-silences/${silence.body.id}`, {
        token: crew2.editor.token,
      });
      expect(del.status).toBe(204);
      const shownAgain = await until(
        () => last(d, topic),
        (m) => m?.key === 'defrost',
      );
      expect(shownAgain).toMatchObject({ active: true, key: 'defrost', priority: 1 });
    });

    it("moves an instrument's open alert from its old location's topic to its new one, and drops a deleted instrument's", async () => {
      const crew3 = await createWorkspaceCrew(api, 'Moving lab');
      const path = `/api/v1/workspaces/${crew3.workspaceId}`;
      const wsTopic3 = `labwire/workspaces/${crew3.workspaceId}/alerts/current`;
      const from = (await createLocation(api, crew3.owner, crew3.workspaceId, { name: 'Bench A' })).id;
      const to = (await createLocation(api, crew3.owner, crew3.workspaceId, { name: 'Bench B' })).id;
      const topicOf = (loc: string) => `labwire/workspaces/${crew3.workspaceId}/locations/${loc}/alerts/current`;
      // one display per location: a display may read only its own location's topic
      const displayFrom = await createInstrument(api, crew3.editor, crew3.workspaceId, {
        capabilities: { display: true },
        locationId: from,
      });
      const displayTo = await createInstrument(api, crew3.editor, crew3.workspaceId, {
        capabilities: { display: true },
        locationId: to,
      });
      const moving = await createInstrument(api, crew3.editor, crew3.workspaceId, { locationId: from });
      const a = await display(displayFrom, [topicOf(from), wsTopic3]);
      const b = await display(displayTo, [topicOf(to)]);

      const opened = await api.request('POST', `${path}/alerts/door-open/trigger`, {
        token: crew3.editor.token,
        body: { instrumentId: moving.id, priority: 2 },
      });
      expect(opened.status).toBe(200);
      const alertId = opened.body.alert.id;
      const before = await until(
        () => last(a, topicOf(from)),
        (m) => m?.alertId === alertId,
      );
      expect(before).toMatchObject({ active: true, alertId, instrumentId: moving.id });

      const moved = await api.request('PATCH', `${path}/instruments/${moving.id}`, {
        token: crew3.editor.token,
        body: { locationId: to },
      });
      expect(moved.status).toBe(200);
      // the answer came after the publication: both topics already show the move
      const leftFrom = await until(
        () => last(a, topicOf(from)),
        (m) => m?.seq > before.seq,
      );
      expect(leftFrom).toEqual({ active: false, seq: leftFrom.seq });
      const joinedTo = await until(
        () => last(b, topicOf(to)),
        (m) => m?.alertId === alertId,
      );
      expect(joinedTo).toMatchObject({ active: true, alertId, instrumentId: moving.id, seq: leftFrom.seq });
      expect(joinedTo.seq).toBeGreaterThan(before.seq);
      // REST agrees with what the topics show
      const byLocation = async (loc: string) =>
        (await api.request('GET', `${path}/alerts/current`, { token: crew3.viewer.token, query: { locationId: loc } }))
          .body;
      expect(await byLocation(from)).toEqual(leftFrom);
      expect(await byLocation(to)).toEqual(joinedTo);
      const unknown = await api.request('GET', `${path}/alerts/current`, {
        token: crew3.viewer.token,
        query: { locationId: locationId /* another workspace's */ },
      });
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('LOCATION_NOT_FOUND');
      const malformed = await api.request('GET', `${path}/alerts/current`, {
        token: crew3.viewer.token,
        query: { locationId: 'bench-a' },
      });
      expect(malformed.status).toBe(400);

      // deleting the instrument takes its alert (cascade): its location and the workspace go quiet
      const removed = await api.request('DELETE', `${path}/instruments/${moving.id}`, { token: crew3.editor.token });
      expect(removed.status).toBe(204);
      const emptied = await until(
        () => last(b, topicOf(to)),
        (m) => m?.seq > joinedTo.seq,
      );
      expect(emptied).toEqual({ active: false, seq: emptied.seq });
      expect(
        await until(
          () => last(a, wsTopic3),
          (m) => m?.seq === emptied.seq,
        ),
      ).toEqual({ active: false, seq: emptied.seq });
      for (const [d, topic] of [
        [a, topicOf(from)],
        [b, topicOf(to)],
        [a, wsTopic3],
      ] as const) {
        const seqs = (d.messages.get(topic) ?? []).map((m) => m.seq);
        for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
      }
    });
  });
});
