import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { InstrumentStateService, parseStatusMessage, TelemetryIngestService } from '../../../libs/domain/src';
import { JobName, QueueName, QueueRegistry } from '../../../libs/queue/src';
import { SseTestClient } from '../../support/sse-client';
import { startTestApi, TestApi } from '../../support/test-app';
import { createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/**
 * Instruments' connection state against the real PostgreSQL and Redis: transitions from status
 * messages, telemetry and silence, race-safe and idempotent, kept as history and streamed as SSE.
 */
describe('instrument live state', () => {
  let api: TestApi;
  let crew: WorkspaceCrew;
  let states: InstrumentStateService;
  let ds: DataSource;
  let base: string;
  const clients: SseTestClient[] = [];

  const path = (id: string, rest = '') => `/api/v1/workspaces/${crew.workspaceId}/instruments/${id}${rest}`;
  const history = async (id: string) =>
    (await ds.query(
      `SELECT from_state AS "from", to_state AS "to", source FROM instrument_state_transitions
        WHERE instrument_id = $1 ORDER BY at`,
      [id],
    )) as Array<{ from: string; to: string; source: string }>;
  const stateOf = async (id: string) =>
    (await ds.query(`SELECT connection_state AS state FROM instruments WHERE id = $1`, [id]))[0].state as string;

  beforeAll(async () => {
    api = await startTestApi();
    crew = await createWorkspaceCrew(api);
    states = api.app.get(InstrumentStateService);
    ds = api.app.get(DataSource);
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    base = await api.app.getUrl();
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await api.close();
  });

  it('starts unknown; expectedIntervalSeconds is set on create and update, and validated', async () => {
    const created = await createInstrument(api, crew.editor, crew.workspaceId, { expectedIntervalSeconds: 30 });
    expect(created).toMatchObject({ connectionState: 'unknown', stateChangedAt: null, expectedIntervalSeconds: 30 });
    const patched = await api.request('PATCH', path(created.id), {
      token: crew.editor.token,
      body: { expectedIntervalSeconds: null },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.expectedIntervalSeconds).toBeNull();
    for (const bad of [0, -5, 1.5, '30']) {
      const res = await api.request('PATCH', path(created.id), {
        token: crew.editor.token,
        body: { expectedIntervalSeconds: bad },
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    const list = await api.request('GET', `/api/v1/workspaces/${crew.workspaceId}/instruments`, {
      token: crew.viewer.token,
    });
    expect(list.body.items.find((i: any) => i.id === created.id)).toMatchObject({
      connectionState: 'unknown',
      expectedIntervalSeconds: null,
    });
  });

  it('follows status messages; the same state twice records nothing', async () => {
    const { id } = await createInstrument(api, crew.editor, crew.workspaceId);
    expect(await states.applyStatus(id, 'online')).toHaveLength(1);
    expect(await states.applyStatus(id, 'online')).toHaveLength(0);
    expect(await states.applyStatus(id, 'offline')).toHaveLength(1);
    expect(await states.applyStatus(id, 'offline')).toHaveLength(0);
    expect(await history(id)).toEqual([
      { from: 'unknown', to: 'online', source: 'status' },
      { from: 'online', to: 'offline', source: 'status' },
    ]);
    const got = await api.request('GET', path(id), { token: crew.viewer.token });
    expect(got.body.connectionState).toBe('offline');
    expect(Date.parse(got.body.stateChangedAt)).toBeGreaterThan(Date.now() - 10_000);
    // an online status counts as hearing from the instrument
    expect(got.body.lastSeenAt).not.toBeNull();
  });

  it('records exactly one change when the same change races', async () => {
    const { id } = await createInstrument(api, crew.editor, crew.workspaceId);
    const results = await Promise.all(Array.from({ length: 8 }, () => states.applyStatus(id, 'online')));
    expect(results.flat()).toHaveLength(1);
    expect(await history(id)).toEqual([{ from: 'unknown', to: 'online', source: 'status' }]);
  });

  it('comes online from telemetry received after it went offline, not from older data nor a REST upload', async () => {
    const { id } = await createInstrument(api, crew.editor, crew.workspaceId);
    await states.applyStatus(id, 'offline');
    const ingest = api.app.get(TelemetryIngestService);
    const reading = (offsetMs: number) => [
      { time: new Date(Date.now() + offsetMs), instrumentId: id, metric: 'temp', value: 21 },
    ];
    // received before the offline status was processed: stale news
    await ingest.storeBatch(reading(-3000), { source: 'mqtt', receivedAt: new Date(Date.now() - 60_000) });
    expect(await stateOf(id)).toBe('offline');
    await ingest.storeBatch(reading(-2000), { source: 'rest', receivedAt: new Date(Date.now() + 1000) });
    expect(await stateOf(id)).toBe('offline');
    await ingest.storeBatch(reading(-1000), { source: 'mqtt', receivedAt: new Date(Date.now() + 1000) });
    expect(await stateOf(id)).toBe('online');
    expect((await history(id)).at(-1)).toEqual({ from: 'offline', to: 'online', source: 'telemetry' });
  });

  it('schedules sending the waiting commands of an instrument that came online, once per change', async () => {
    const { id } = await createInstrument(api, crew.editor, crew.workspaceId);
    const [change] = await states.applyStatus(id, 'online');
    const queues = QueueRegistry.open(api.config);
    try {
      const job = await queues.get(QueueName.Instruments).getJob(`dispatch-commands.${change.id}`);
      expect(job?.name).toBe(JobName.InstrumentDispatchCommands);
      expect(job?.data).toEqual({ instrumentId: id });
    } finally {
      await queues.close();
    }
  });

  it('marks instruments offline after silence past twice their interval plus grace, once', async () => {
    const silent = await createInstrument(api, crew.editor, crew.workspaceId, { expectedIntervalSeconds: 5 });
    const fresh = await createInstrument(api, crew.editor, crew.workspaceId, { expectedIntervalSeconds: 5 });
    const unchecked = await createInstrument(api, crew.editor, crew.workspaceId);
    const neverSeen = await createInstrument(api, crew.editor, crew.workspaceId, { expectedIntervalSeconds: 1 });
    for (const i of [silent, fresh, unchecked]) await states.applyStatus(i.id, 'online');
    // 2 × 5 s + 10 s grace = 20 s
    await ds.query(`UPDATE instruments SET last_seen_at = now() - interval '21 seconds' WHERE id = $1`, [silent.id]);
    await ds.query(`UPDATE instruments SET last_seen_at = now() - interval '15 seconds' WHERE id = $1`, [fresh.id]);
    await ds.query(`UPDATE instruments SET last_seen_at = now() - interval '1 day' WHERE id = $1`, [unchecked.id]);
    const changes = await states.markSilentOffline();
    expect(changes.map((c) => c.instrumentId)).toEqual([silent.id]);
    expect(changes[0]).toMatchObject({ fromState: 'online', toState: 'offline', source: 'silence' });
    expect(changes[0].reason).toMatch(/^no data for 2\d s \(expected every 5 s\)$/);
    expect(await states.markSilentOffline()).toEqual([]);
    expect(await stateOf(fresh.id)).toBe('online');
    expect(await stateOf(unchecked.id)).toBe('online');
    expect(await stateOf(neverSeen.id)).toBe('unknown');
  });

  it('pages the state history newest first; viewers read it, other workspaces get 404', async () => {
    const { id } = await createInstrument(api, crew.editor, crew.workspaceId);
    for (const s of ['online', 'offline', 'online'] as const) await states.applyStatus(id, s);
    const first = await api.request('GET', path(id, '/state-history'), {
      token: crew.viewer.token,
      query: { pageSize: 2 },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: 3, page: 1, pageSize: 2, totalPages: 2 });
    expect(first.body.items.map((t: any) => `${t.from}>${t.to}`)).toEqual(['offline>online', 'online>offline']);
    expect(first.body.items[0]).toMatchObject({ source: 'status', reason: 'status message: online' });
    const second = await api.request('GET', path(id, '/state-history'), {
      token: crew.viewer.token,
      query: { pageSize: 2, page: 2 },
    });
    expect(second.body.items.map((t: any) => `${t.from}>${t.to}`)).toEqual(['unknown>online']);

    const other = await createWorkspaceCrew(api);
    const foreign = await api.request(
      'GET',
      `/api/v1/workspaces/${other.workspaceId}/instruments/${id}/state-history`,
      {
        token: other.owner.token,
      },
    );
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('INSTRUMENT_NOT_FOUND');
    const outsider = await api.request('GET', path(id, '/state-history'), { token: crew.outsider.token });
    expect(outsider.status).toBe(404);
    expect(outsider.body.code).toBe('WORKSPACE_NOT_FOUND');
  });

  it('parses status messages strictly', () => {
    const id = randomUUID();
    const topic = `labwire/instruments/${id}/status`;
    expect(parseStatusMessage(topic, Buffer.from('{"state":"online","battery":80}'))).toEqual({
      ok: true,
      instrumentId: id,
      state: 'online',
    });
    for (const bad of ['{"state":"sleeping"}', 'online', '{}', '[]']) {
      expect(parseStatusMessage(topic, Buffer.from(bad)).ok).toBe(false);
    }
    expect(parseStatusMessage('labwire/instruments/not-a-uuid/status', Buffer.from('{"state":"online"}')).ok).toBe(
      false,
    );
  });

  describe('event stream', () => {
    const connect = async (id: string, token: string, workspaceId = crew.workspaceId) => {
      const client = await SseTestClient.connect(`${base}/api/v1/workspaces/${workspaceId}/instruments/${id}/events`, {
        authorization: `Bearer ${token}`,
      });
      clients.push(client);
      return client;
    };

    it('streams the current state, then state changes and new telemetry, to a viewer', async () => {
      const { id } = await createInstrument(api, crew.editor, crew.workspaceId);
      const stream = await connect(id, crew.viewer.token);
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      const ready = await stream.next((e) => e.event === 'ready');
      expect(JSON.parse(ready.data)).toEqual({ instrumentId: id, connectionState: 'unknown', stateChangedAt: null });

      await states.applyStatus(id, 'online');
      const state = JSON.parse((await stream.next((e) => e.event === 'state')).data);
      expect(state).toMatchObject({ instrumentId: id, from: 'unknown', to: 'online', source: 'status' });

      const time = new Date(Date.now() - 500);
      await api.app.get(TelemetryIngestService).storeBatch([{ time, instrumentId: id, metric: 'ph', value: 7.2 }]);
      const telemetry = JSON.parse((await stream.next((e) => e.event === 'telemetry')).data);
      expect(telemetry).toEqual({
        instrumentId: id,
        readings: [{ time: time.toISOString(), metric: 'ph', value: 7.2 }],
      });
    });

    it('answers 404 problems, not a stream, for an instrument of another workspace or a non-member', async () => {
      const { id } = await createInstrument(api, crew.editor, crew.workspaceId);
      const other = await createWorkspaceCrew(api);
      const foreign = await connect(id, other.owner.token, other.workspaceId);
      expect(foreign.status).toBe(404);
      expect(JSON.parse(await foreign.body()).code).toBe('INSTRUMENT_NOT_FOUND');
      const outsider = await connect(id, crew.outsider.token);
      expect(outsider.status).toBe(404);
      const anonymous = await SseTestClient.connect(`${base}${path(id, '/events')}`);
      expect(anonymous.status).toBe(401);
      await anonymous.body();
    });
  });
});
