import { INestApplicationContext } from '@nestjs/common';
import { MqttClient } from 'mqtt';
import { DataSource } from 'typeorm';
import {
  CommandDispatcher,
  CommandLifecycleService,
  InstrumentStateService,
  parseReplyMessage,
} from '../../../libs/domain/src';
import { JobName, QueueName, QueueRegistry } from '../../../libs/queue/src';
import { connectMqtt } from '../../support/mqtt-test-client';
import { SseTestClient } from '../../support/sse-client';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestBroker, TestBroker } from '../../support/test-broker';
import { startTestWorker } from '../../support/test-worker';
import { createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/** An instrument simulated with its own MQTT credentials, subscribed to its commands. */
interface SimulatedInstrument {
  id: string;
  client: MqttClient;
  received: Array<{ topic: string; body: any }>;
}

/**
 * Commands end to end against the real PostgreSQL, Redis and Mosquitto, with the real worker running
 * the delayed jobs: sending to online instruments, waiting for offline ones, replies, timeouts,
 * expiry, cancel, idempotency and access.
 */
describe('instrument commands', () => {
  let api: TestApi;
  let broker: TestBroker;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let states: InstrumentStateService;
  let lifecycle: CommandLifecycleService;
  let ds: DataSource;
  let baseUrl: string;
  const mqttClients: MqttClient[] = [];
  const sseClients: SseTestClient[] = [];

  const commandsPath = (instrumentId: string, rest = '', workspaceId = crew.workspaceId) =>
    `/api/v1/workspaces/${workspaceId}/instruments/${instrumentId}/commands${rest}`;
  const send = (instrumentId: string, body: Record<string, unknown>, token = crew.editor.token) =>
    api.request('POST', commandsPath(instrumentId), { token, body });
  const get = async (instrumentId: string, commandId: string) =>
    (await api.request('GET', commandsPath(instrumentId, `/${commandId}`), { token: crew.viewer.token })).body;
  const count = async (instrumentId: string) =>
    Number((await ds.query(`SELECT count(*) AS n FROM commands WHERE instrument_id = $1`, [instrumentId]))[0].n);

  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let value = await read();
    while (!done(value) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      value = await read();
    }
    return value;
  }

  async function simulatedInstrument(): Promise<SimulatedInstrument> {
    const created = await createInstrument(api, crew.editor, crew.workspaceId);
    const client = await connectMqtt(api.config.mqtt.url, {
      username: created.id,
      password: created.mqttSecret,
      clientId: created.id,
    });
    mqttClients.push(client);
    const received: SimulatedInstrument['received'] = [];
    client.on('message', (topic, payload) => received.push({ topic, body: JSON.parse(payload.toString()) }));
    await client.subscribeAsync(`labwire/instruments/${created.id}/commands/+`, { qos: 1 });
    return { id: created.id, client, received };
  }

  beforeAll(async () => {
    // Its own broker: every api reconciles the broker it uses with its database at boot, removing
    // instrument clients it does not know, so on the run's shared broker another test file's api
    // could sign this test's instruments out mid-test.
    broker = await startTestBroker();
    api = await startTestApi(broker.env);
    worker = await startTestWorker(api);
    crew = await createWorkspaceCrew(api);
    states = api.app.get(InstrumentStateService);
    lifecycle = api.app.get(CommandLifecycleService);
    ds = api.app.get(DataSource);
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = await api.app.getUrl();
  });
  afterAll(async () => {
    sseClients.forEach((c) => c.close());
    await Promise.all(mqttClients.map((c) => c.endAsync(true).catch(() => undefined)));
    await worker?.close();
    await api?.close();
    await broker?.stop();
  });

  it('keeps the silence check and the command sweep on 15 s job schedulers, the maintenance-window sweep on 60 s (the worker upserts them)', async () => {
    const queues = QueueRegistry.open(api.config);
    try {
      const schedulers = await until(
        () => queues.get(QueueName.Instruments).getJobSchedulers(),
        (list) => list.length >= 3,
      );
      expect(schedulers.map((s) => [s.key, s.name, s.every]).sort()).toEqual([
        ['instruments.check-liveness', JobName.InstrumentCheckLiveness, 15_000],
        ['instruments.maintenance-sweep', JobName.InstrumentMaintenanceSweep, 60_000],
        ['instruments.sweep-commands', JobName.InstrumentSweepCommands, 15_000],
      ]);
    } finally {
      await queues.close();
    }
  });

  describe('access and validation', () => {
    it('lets editors create and viewers read; viewers may not create or cancel', async () => {
      const { id } = await createInstrument(api, crew.editor, crew.workspaceId);
      const denied = await send(id, { name: 'start' }, crew.viewer.token);
      expect(denied.status).toBe(403);
      expect(denied.body.code).toBe('FORBIDDEN');
      const created = await send(id, { name: 'start' });
      expect(created.status).toBe(201);
      const cancel = await api.request('POST', commandsPath(id, `/${created.body.id}/cancel`), {
        token: crew.viewer.token,
      });
      expect(cancel.status).toBe(403);
      expect((await get(id, created.body.id)).status).toBe('queued');
      expect(await count(id)).toBe(1);
    });

    it('answers 404 for other workspaces, unknown instruments and commands of another instrument', async () => {
      const { id } = await createInstrument(api, crew.editor, crew.workspaceId);
      const other = await createInstrument(api, crew.editor, crew.workspaceId);
      const { body: command } = await send(id, { name: 'start' });
      const foreign = await createWorkspaceCrew(api);
      const viaForeign = await api.request('POST', commandsPath(id, '', foreign.workspaceId), {
        token: foreign.owner.token,
        body: { name: 'start' },
      });
      expect(viaForeign.status).toBe(404);
      expect(viaForeign.body.code).toBe('INSTRUMENT_NOT_FOUND');
      const listForeign = await api.request('GET', commandsPath(id, '', foreign.workspaceId), {
        token: foreign.owner.token,
      });
      expect(listForeign.status).toBe(404);
      const outsider = await api.request('GET', commandsPath(id), { token: crew.outsider.token });
      expect(outsider.status).toBe(404);
      expect(outsider.body.code).toBe('WORKSPACE_NOT_FOUND');
      const wrongInstrument = await api.request('GET', commandsPath(other.id, `/${command.id}`), {
        token: crew.viewer.token,
      });
      expect(wrongInstrument.status).toBe(404);
      expect(wrongInstrument.body.code).toBe('COMMAND_NOT_FOUND');
      const cancelForeign = await api.request('POST', commandsPath(id, `/${command.id}/cancel`, foreign.workspaceId), {
        token: foreign.owner.token,
      });
      expect(cancelForeign.status).toBe(404);
      expect((await get(id, command.id)).status).toBe('queued');
    });

    it('refuses bad input with 400 and creates nothing', async () => {
      const { id } = await createInstrument(api, crew.editor, crew.workspaceId);
      const bad = [
        { name: '  ' },
        { name: 'x', timeoutSeconds: 0 },
        { name: 'x', timeoutSeconds: 1.5 },
        { name: 'x', expiresAt: new Date(Date.now() - 1000).toISOString() },
        { name: 'x', expiresAt: 'tomorrow' },
        { name: 'x', params: [1, 2] },
        { name: 'x', params: { blob: 'y'.repeat(70_000) } },
        { name: 'x', status: 'succeeded' },
        { params: {} },
      ];
      for (const body of bad) {
        const res = await send(id, body);
        expect([res.status, res.body.code, body]).toEqual([400, 'VALIDATION_FAILED', body]);
      }
      expect(await count(id)).toBe(0);
    });
  });

  it('queues a command for an instrument that is not online, audited, listed with a status filter', async () => {
    const { id } = await createInstrument(api, crew.editor, crew.workspaceId);
    const created = await send(id, { name: 'calibrate', params: { level: 2 }, timeoutSeconds: 30 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      instrumentId: id,
      name: 'calibrate',
      params: { level: 2 },
      status: 'queued',
      timeoutSeconds: 30,
      expiresAt: null,
      sentAt: null,
      createdByUserId: crew.editor.id,
    });
    const other = await send(id, { name: 'reset' });
    await api.request('POST', commandsPath(id, `/${other.body.id}/cancel`), { token: crew.editor.token });
    const queued = await api.request('GET', commandsPath(id), {
      token: crew.viewer.token,
      query: { status: 'queued' },
    });
    expect(queued.body).toMatchObject({ total: 1, items: [{ id: created.body.id }] });
    const both = await api.request('GET', commandsPath(id), {
      token: crew.viewer.token,
      query: { status: 'queued,cancelled', sort: 'createdAt' },
    });
    expect(both.body.items.map((c: any) => c.status)).toEqual(['queued', 'cancelled']);
    const badFilter = await api.request('GET', commandsPath(id), { token: crew.viewer.token, query: { status: 'x' } });
    expect(badFilter.status).toBe(400);
    const audit = await api.request('GET', `/api/v1/workspaces/${crew.workspaceId}/audit-log`, {
      token: crew.owner.token,
      query: { pageSize: 100 },
    });
    const entries = audit.body.items.filter((e: any) => e.entityType === 'command');
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'create', entityId: created.body.id }),
        expect.objectContaining({
          action: 'update',
          entityId: other.body.id,
          changes: { status: { to: 'cancelled' } },
        }),
      ]),
    );
  });

  it('answers the same command for a repeated idempotency key (200), 409 for another body with it', async () => {
    const { id } = await createInstrument(api, crew.editor, crew.workspaceId);
    const body = { name: 'dose', params: { ml: 5, pump: 'a' }, idempotencyKey: 'dose-1' };
    const first = await send(id, body);
    expect(first.status).toBe(201);
    const again = await send(id, { ...body, params: { pump: 'a', ml: 5 } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const different = await send(id, { ...body, params: { ml: 6, pump: 'a' } });
    expect(different.status).toBe(409);
    expect(different.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', commandId: first.body.id });
    // concurrent first uses of one key create one command
    const racing = await Promise.all(Array.from({ length: 5 }, () => send(id, { name: 'x', idempotencyKey: 'race' })));
    expect(racing.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);
    // keys are per instrument
    const elsewhere = await createInstrument(api, crew.editor, crew.workspaceId);
    expect((await send(elsewhere.id, body)).status).toBe(201);
    expect(await count(id)).toBe(2);
  });

  it('round trip: sent at once to an online instrument, closed by its reply, changes on the event stream', async () => {
    const sim = await simulatedInstrument();
    await states.applyStatus(sim.id, 'online');
    const stream = await SseTestClient.connect(
      `${baseUrl}/api/v1/workspaces/${crew.workspaceId}/instruments/${sim.id}/events`,
      {
        authorization: `Bearer ${crew.viewer.token}`,
      },
    );
    sseClients.push(stream);
    await stream.next((e) => e.event === 'ready');

    const created = await send(sim.id, { name: 'start-run', params: { method: 'A' }, timeoutSeconds: 30 });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('sent');
    expect(created.body.sentAt).not.toBeNull();
    const commandId = created.body.id;
    await until(
      async () => sim.received.length,
      (n) => n > 0,
    );
    expect(sim.received).toEqual([
      {
        topic: `labwire/instruments/${sim.id}/commands/${commandId}`,
        body: { name: 'start-run', params: { method: 'A' } },
      },
    ]);

    const reply = parseReplyMessage(
      `labwire/instruments/${sim.id}/commands/${commandId}/reply`,
      Buffer.from(JSON.stringify({ ok: true, result: { runId: 42 } })),
    );
    if (!reply.ok) throw new Error(reply.detail);
    expect(await lifecycle.applyReply(reply.instrumentId, reply.commandId, reply.reply)).not.toBeNull();
    const done = await get(sim.id, commandId);
    expect(done).toMatchObject({ status: 'succeeded', result: { runId: 42 }, error: null });
    expect(done.completedAt).not.toBeNull();
    // a second (late) reply changes nothing
    expect(await lifecycle.applyReply(sim.id, commandId, { ok: false, error: 'again' })).toBeNull();
    expect((await get(sim.id, commandId)).status).toBe('succeeded');

    await stream.until(() => stream.events.filter((e) => e.event === 'command').length >= 3);
    const statuses = stream.events.filter((e) => e.event === 'command').map((e) => JSON.parse(e.data).status);
    expect(statuses).toEqual(['queued', 'sent', 'succeeded']);
  });

  it('a failed reply closes the command failed with its error; replies from another instrument are ignored', async () => {
    const sim = await simulatedInstrument();
    await states.applyStatus(sim.id, 'online');
    const { body } = await send(sim.id, { name: 'open-door' });
    expect(body.status).toBe('sent');
    const intruder = await createInstrument(api, crew.editor, crew.workspaceId);
    expect(await lifecycle.applyReply(intruder.id, body.id, { ok: true })).toBeNull();
    expect(await lifecycle.applyReply(sim.id, body.id, { ok: false, error: 'door jammed' })).not.toBeNull();
    expect(await get(sim.id, body.id)).toMatchObject({ status: 'failed', error: 'door jammed', result: null });
  });

  it('times out a sent command without a reply (delayed job); a late reply is ignored', async () => {
    const sim = await simulatedInstrument();
    await states.applyStatus(sim.id, 'online');
    const { body } = await send(sim.id, { name: 'slow', timeoutSeconds: 1 });
    expect(body.status).toBe('sent');
    const closed = await until(
      () => get(sim.id, body.id),
      (c) => c.status !== 'sent',
    );
    expect(closed).toMatchObject({ status: 'timed_out', error: 'no reply from the instrument in time' });
    expect(Date.parse(closed.completedAt) - Date.parse(closed.sentAt)).toBeGreaterThanOrEqual(1000);
    expect(await lifecycle.applyReply(sim.id, body.id, { ok: true })).toBeNull();
    expect((await get(sim.id, body.id)).status).toBe('timed_out');
  });

  it('answers a command that another dispatcher is sending as it leaves that dispatcher, never as queued', async () => {
    // The create request sends through the dispatcher after its commit; the came-online job or the
    // sweep may hold the same command then (mid-publish). The request waits for that one instead of
    // skipping the locked row and answering `queued` for a command that is being sent.
    const sim = await simulatedInstrument();
    await states.applyStatus(sim.id, 'offline');
    const { body } = await send(sim.id, { name: 'contended' });
    expect(body.status).toBe('queued');
    await ds.query(`UPDATE instruments SET connection_state = 'online' WHERE id = $1`, [sim.id]);
    const other = ds.createQueryRunner();
    await other.connect();
    try {
      await other.startTransaction();
      await other.query(`SELECT id FROM commands WHERE id = $1 FOR UPDATE`, [body.id]);
      let settled = false;
      const dispatching = api.app
        .get(CommandDispatcher)
        .dispatch(body.id)
        .finally(() => (settled = true));
      const waitingForLock = async () =>
        Number(
          (
            await ds.query(
              `SELECT count(*) AS n FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM commands c%'`,
            )
          )[0].n,
        );
      await until(
        async () => settled || (await waitingForLock()) > 0,
        (done) => done,
      );
      expect(settled).toBe(false);
      await other.query(`UPDATE commands SET status = 'sent', sent_at = now() WHERE id = $1`, [body.id]);
      await other.commitTransaction();
      expect(await dispatching).toBeNull();
    } finally {
      if (other.isTransactionActive) await other.rollbackTransaction();
      await other.release();
    }
    expect((await get(sim.id, body.id)).status).toBe('sent');
    expect(sim.received).toEqual([]);
  });

  it('waits for an offline instrument and sends its commands, in order, when it comes online', async () => {
    const sim = await simulatedInstrument();
    await states.applyStatus(sim.id, 'offline');
    const first = (await send(sim.id, { name: 'one' })).body;
    const second = (await send(sim.id, { name: 'two' })).body;
    const cancelled = (await send(sim.id, { name: 'never' })).body;
    await api.request('POST', commandsPath(sim.id, `/${cancelled.id}/cancel`), { token: crew.editor.token });
    expect([first.status, second.status]).toEqual(['queued', 'queued']);
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.received).toEqual([]);

    await states.applyStatus(sim.id, 'online');
    await until(
      async () => sim.received.length,
      (n) => n >= 2,
    );
    expect(sim.received.map((m) => m.body.name)).toEqual(['one', 'two']);
    expect((await get(sim.id, first.id)).status).toBe('sent');
    expect((await get(sim.id, second.id)).status).toBe('sent');
    expect((await get(sim.id, cancelled.id)).status).toBe('cancelled');
  });

  it('expires a command still queued at expiresAt (delayed job)', async () => {
    const { id } = await createInstrument(api, crew.editor, crew.workspaceId);
    const expiresAt = new Date(Date.now() + 1200).toISOString();
    const { body } = await send(id, { name: 'later', expiresAt });
    expect(body).toMatchObject({ status: 'queued', expiresAt });
    const closed = await until(
      () => get(id, body.id),
      (c) => c.status !== 'queued',
    );
    expect(closed.status).toBe('expired');
    expect(Date.parse(closed.completedAt)).toBeGreaterThanOrEqual(Date.parse(expiresAt));
    // coming online later sends nothing
    await states.applyStatus(id, 'online');
    await new Promise((r) => setTimeout(r, 300));
    expect((await get(id, body.id)).status).toBe('expired');
  });

  it('cancels queued and sent commands once; closed ones are not cancellable', async () => {
    const sim = await simulatedInstrument();
    const queued = (await send(sim.id, { name: 'q' })).body;
    const cancel = (commandId: string) =>
      api.request('POST', commandsPath(sim.id, `/${commandId}/cancel`), { token: crew.editor.token });
    const first = await cancel(queued.id);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'cancelled' });
    const again = await cancel(queued.id);
    expect(again.status).toBe(200);
    expect(again.body.completedAt).toBe(first.body.completedAt);

    await states.applyStatus(sim.id, 'online');
    const sent = (await send(sim.id, { name: 's' })).body;
    expect(sent.status).toBe('sent');
    expect((await cancel(sent.id)).body.status).toBe('cancelled');
    expect(await lifecycle.applyReply(sim.id, sent.id, { ok: true })).toBeNull();

    const replied = (await send(sim.id, { name: 'r' })).body;
    await lifecycle.applyReply(sim.id, replied.id, { ok: true });
    const refused = await cancel(replied.id);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'COMMAND_NOT_CANCELLABLE', status: 409, commandStatus: 'succeeded' });
  });

  it('closes a command once when its reply and its timeout race', async () => {
    const sim = await simulatedInstrument();
    await states.applyStatus(sim.id, 'online');
    const { body } = await send(sim.id, { name: 'race', timeoutSeconds: 600 });
    await ds.query(`UPDATE commands SET sent_at = now() - interval '601 seconds' WHERE id = $1`, [body.id]);
    const [timedOut, replied] = await Promise.all([
      lifecycle.timeOut(body.id),
      lifecycle.applyReply(sim.id, body.id, { ok: true }),
    ]);
    expect([timedOut, replied].filter(Boolean)).toHaveLength(1);
  });

  it('sweeps what the delayed jobs missed: overdue timeouts, expiries, and unsent commands of online instruments', async () => {
    const sim = await simulatedInstrument();
    const offline = await createInstrument(api, crew.editor, crew.workspaceId);
    await states.applyStatus(sim.id, 'online');
    const sent = (await send(sim.id, { name: 'no-timeout-job', timeoutSeconds: 3600 })).body;
    await ds.query(`UPDATE commands SET sent_at = now() - interval '2 hours' WHERE id = $1`, [sent.id]);
    const stale = (await send(offline.id, { name: 'no-expiry-job', expiresAt: new Date(Date.now() + 3600_000) })).body;
    await ds.query(`UPDATE commands SET expires_at = now() - interval '1 second' WHERE id = $1`, [stale.id]);
    // queued while the instrument looked offline, which then came online without a dispatch job
    await ds.query(`UPDATE instruments SET connection_state = 'offline' WHERE id = $1`, [sim.id]);
    const unsent = (await send(sim.id, { name: 'missed' })).body;
    expect(unsent.status).toBe('queued');
    await ds.query(`UPDATE instruments SET connection_state = 'online' WHERE id = $1`, [sim.id]);
    await ds.query(`UPDATE commands SET created_at = now() - interval '1 minute' WHERE id = $1`, [unsent.id]);

    await lifecycle.sweep();
    expect((await get(sim.id, sent.id)).status).toBe('timed_out');
    expect((await get(offline.id, stale.id)).status).toBe('expired');
    expect((await get(sim.id, unsent.id)).status).toBe('sent');
    await until(
      async () => sim.received.length,
      (n) => n >= 2,
    );
    expect(sim.received.map((m) => m.body.name)).toEqual(['no-timeout-job', 'missed']);
  });
});
