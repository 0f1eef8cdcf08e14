import Redis from 'ioredis';
import { instrumentLiveChannels } from '../../../libs/domain/src';
import { SseTestClient } from '../../support/sse-client';
import { createUser, startTestApi, TEST_PASSWORD, TestApi, TestUser } from '../../support/test-app';
import { addMember, createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

const HOUR = 3_600_000;

/**
 * Event streams end with their access (logout, key revocation, disabled user, removal from the
 * workspace), told over the real Redis invalidation channel, and a user holds a bounded number of them.
 */
describe('event streams and the access behind them', () => {
  let api: TestApi;
  let replica: TestApi;
  let crew: WorkspaceCrew;
  let admin: TestUser;
  let instrumentId: string;
  let base: string;
  let replicaBase: string;
  let redis: Redis;
  const clients: SseTestClient[] = [];
  const ws = () => `/api/v1/workspaces/${crew.workspaceId}`;

  beforeAll(async () => {
    api = await startTestApi({ SSE_MAX_STREAMS_PER_USER: '3' });
    // a second api on the same database and Redis, as a replica would be
    replica = await startTestApi(
      {
        SSE_MAX_STREAMS_PER_USER: '3',
        REDIS_KEY_PREFIX: api.config.redis.prefix,
        JWT_SECRET: api.config.auth.jwtSecret,
      },
      { databaseUrl: api.dbUrl },
    );
    for (const app of [api, replica]) await app.app.listen({ port: 0, host: '127.0.0.1' });
    base = await api.app.getUrl();
    replicaBase = await replica.app.getUrl();
    crew = await createWorkspaceCrew(api);
    admin = await createUser(api, { role: 'admin' });
    instrumentId = (await createInstrument(api, crew.owner, crew.workspaceId)).id;
    redis = new Redis(api.config.redis.url);
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await redis?.quit();
    await replica?.close();
    await api?.close();
  });

  const signIn = async (u: TestUser) =>
    (await api.request('POST', '/api/v1/auth/login', { body: { email: u.email, password: TEST_PASSWORD } })).body
      .accessToken as string;
  const open = async (
    auth: { token?: string; apiKey?: string },
    path = `${ws()}/instruments/${instrumentId}/events`,
    at = base,
  ) => {
    const headers: Record<string, string> = auth.token
      ? { authorization: `Bearer ${auth.token}` }
      : { 'x-api-key': auth.apiKey! };
    const client = await SseTestClient.connect(`${at}${path}`, headers);
    clients.push(client);
    return client;
  };
  const live = async (client: SseTestClient, first = 'ready') => {
    expect(client.status).toBe(200);
    await client.next((e) => e.event === first);
    return client;
  };
  /** The stream was ended by the server, with a `revoked` event saying why. */
  const endedByServer = async (client: SseTestClient) => {
    const revoked = await client.next((e) => e.event === 'revoked', 10_000);
    expect(JSON.parse(revoked.data).reason).toMatch(/access ended/);
    await client.until(() => client.ended, 10_000);
  };
  const publishTelemetry = (value: number) =>
    redis.publish(
      instrumentLiveChannels(api.config.redis.prefix, instrumentId).telemetry,
      JSON.stringify({ instrumentId, readings: [{ time: new Date().toISOString(), metric: 'ph', value }] }),
    );

  it('logout ends the streams of that session (on every replica), not those of another session', async () => {
    const u = await createUser(api);
    await addMember(api, crew.owner, crew.workspaceId, u, 'viewer');
    const kept = await signIn(u);
    const here = await live(await open({ token: u.token }));
    const there = await live(await open({ token: u.token }, undefined, replicaBase));
    const other = await live(await open({ token: kept }, undefined, replicaBase));
    expect((await api.request('POST', '/api/v1/auth/logout', { token: u.token })).status).toBe(204);
    await endedByServer(here);
    await endedByServer(there);
    // the other session's stream goes on and still delivers
    await publishTelemetry(7.1);
    const reading = await other.next((e) => e.event === 'telemetry');
    expect(JSON.parse(reading.data).readings[0].value).toBe(7.1);
    expect(other.events.some((e) => e.event === 'revoked')).toBe(false);
    expect(other.ended).toBe(false);
    // reconnecting with the ended session is refused
    expect((await open({ token: u.token })).status).toBe(401);
    other.close();
  });

  it('removal from the workspace ends the instrument stream and the job stream', async () => {
    const u = await createUser(api);
    await addMember(api, crew.owner, crew.workspaceId, u, 'editor');
    const t0 = Math.floor((Date.now() - 24 * HOUR) / HOUR) * HOUR;
    // a backfill job stays queued here (no worker), so its stream stays open
    const job = await api.request('POST', `${ws()}/instruments/${instrumentId}/telemetry`, {
      token: u.token,
      body: [{ ts: t0, values: { ph: 1 } }],
    });
    expect(job.status).toBe(202);
    const instrumentStream = await live(await open({ token: u.token }));
    const jobStream = await live(await open({ token: u.token }, `${ws()}/jobs/${job.body.id}/events`), 'status');
    const removed = await api.request('DELETE', `${ws()}/members/${u.id}`, { token: crew.owner.token });
    expect(removed.status).toBe(204);
    await endedByServer(instrumentStream);
    await endedByServer(jobStream);
    expect((await open({ token: u.token })).status).toBe(404);
  });

  it('revoking the API key, or disabling the user, ends their streams', async () => {
    const u = await createUser(api);
    await addMember(api, crew.owner, crew.workspaceId, u, 'viewer');
    const key = await api.request('POST', '/api/v1/users/me/api-keys', { token: u.token, body: { name: 'display' } });
    const byKey = await live(await open({ apiKey: key.body.key }));
    expect((await api.request('DELETE', `/api/v1/users/me/api-keys/${key.body.id}`, { token: u.token })).status).toBe(
      204,
    );
    await endedByServer(byKey);

    const bySession = await live(await open({ token: u.token }, undefined, replicaBase));
    const disabled = await api.request('PATCH', `/api/v1/users/${u.id}`, {
      token: admin.token,
      body: { status: 'disabled' },
    });
    expect(disabled.status).toBe(200);
    await endedByServer(bySession);
  });

  it('caps the streams one user holds at once over all replicas (429 naming the limit), and frees a slot on close', async () => {
    const u = await createUser(api);
    await addMember(api, crew.owner, crew.workspaceId, u, 'viewer');
    const first = await live(await open({ token: u.token }));
    await live(await open({ token: u.token }, undefined, replicaBase));
    await live(await open({ token: u.token }, `${ws()}/instruments/${instrumentId}/events`, replicaBase));
    for (const at of [base, replicaBase]) {
      const refused = await open({ token: u.token }, undefined, at);
      expect(refused.status).toBe(429);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = JSON.parse(await refused.body());
      expect(problem).toMatchObject({ code: 'TOO_MANY_STREAMS', status: 429, limit: 3 });
      expect(problem.detail).toContain('SSE_MAX_STREAMS_PER_USER');
    }
    // another user is not affected
    expect((await live(await open({ token: crew.viewer.token }))).status).toBe(200);
    first.close();
    const deadline = Date.now() + 10_000;
    let again = await open({ token: u.token });
    while (again.status === 429 && Date.now() < deadline) {
      await again.body();
      await new Promise((r) => setTimeout(r, 50));
      again = await open({ token: u.token });
    }
    await live(again);
  });
});
