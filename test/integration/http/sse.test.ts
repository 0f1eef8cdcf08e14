import { randomBytes } from 'node:crypto';
import Fastify, { FastifyInstance } from 'fastify';
import Redis from 'ioredis';
import { loadConfig } from '../../../libs/core/src';
import { RedisChannelHub } from '../../../apps/api/src/common/sse/redis-channel-hub';
import { SseService } from '../../../apps/api/src/common/sse/sse.service';
import { formatSseEvent } from '../../../apps/api/src/common/sse/sse-stream';
import { SseTestClient } from '../../support/sse-client';
import { testEnv } from '../../support/test-app';

/** The SSE plumbing the api's event routes share: Redis pub/sub relayed to HTTP clients, cleanly detached. */
describe('Server-Sent Events over Redis pub/sub', () => {
  const config = loadConfig(testEnv('postgres://unused/x'));
  const channel = `${config.redis.prefix}:test:sse:${randomBytes(3).toString('hex')}`;
  let hub: RedisChannelHub;
  let sse: SseService;
  let server: FastifyInstance;
  let redis: Redis;
  let base: string;
  const clients: SseTestClient[] = [];

  beforeAll(async () => {
    hub = new RedisChannelHub(config);
    sse = new SseService(hub);
    redis = new Redis(config.redis.url);
    server = Fastify();
    server.get('/stream', async (request, reply) => {
      reply.header('x-request-id', 'req-1');
      await sse.stream(request, reply, {
        sources: [
          { channel, event: 'tick' },
          { channel, event: 'odd', map: (m) => (Number(JSON.parse(m).n) % 2 ? { odd: JSON.parse(m).n } : undefined) },
        ],
        ready: () => ({ event: 'ready', data: { hello: true } }),
        heartbeatMs: 100,
      });
    });
    base = await server.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    sse.onModuleDestroy();
    await server.close();
    await hub.onApplicationShutdown();
    await redis.quit();
  });

  const connect = async () => {
    const client = await SseTestClient.connect(`${base}/stream`);
    clients.push(client);
    return client;
  };

  it('formats multi-line data as several data lines', () => {
    expect(formatSseEvent({ event: 'x\ny', data: 'a\nb' })).toBe('event: xy\ndata: a\ndata: b\n\n');
    expect(formatSseEvent({ data: { a: 1 } })).toBe('data: {"a":1}\n\n');
  });

  it('sends ready once subscribed, then relays messages, heartbeats and keeps the reply headers', async () => {
    const client = await connect();
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(client.headers['x-request-id']).toBe('req-1');
    const ready = await client.next((e) => e.event === 'ready');
    expect(JSON.parse(ready.data)).toEqual({ hello: true });
    // ready is sent after the SUBSCRIBE is confirmed: a message published now is delivered
    await redis.publish(channel, JSON.stringify({ n: 1 }));
    await redis.publish(channel, JSON.stringify({ n: 2 }));
    await client.until(() => client.events.filter((e) => e.event === 'tick').length === 2);
    expect(client.events.filter((e) => e.event === 'tick').map((e) => JSON.parse(e.data).n)).toEqual([1, 2]);
    expect(client.events.filter((e) => e.event === 'odd').map((e) => JSON.parse(e.data))).toEqual([{ odd: 1 }]);
    await client.until(() => client.comments.includes('ping'), 2000);
  });

  it('shares one subscription between clients and unsubscribes when the last one leaves', async () => {
    const [a, b] = [await connect(), await connect()];
    await a.next((e) => e.event === 'ready');
    await b.next((e) => e.event === 'ready');
    expect(hub.listenerCount(channel)).toBeGreaterThanOrEqual(2);
    const numsub = async () => Number(((await redis.pubsub('NUMSUB', channel)) as [string, number])[1]);
    expect(await numsub()).toBe(1);
    clients.splice(0).forEach((c) => c.close());
    const deadline = Date.now() + 3000;
    while ((hub.listenerCount(channel) > 0 || (await numsub()) > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(hub.listenerCount(channel)).toBe(0);
    expect(await numsub()).toBe(0);
    expect(sse.openStreams).toBe(0);
  });

  it('ends open streams on shutdown', async () => {
    const client = await connect();
    await client.next((e) => e.event === 'ready');
    sse.onModuleDestroy();
    await client.until(() => client.ended, 2000);
    expect(sse.openStreams).toBe(0);
  });
});
