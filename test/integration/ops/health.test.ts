import { startTestApi, TestApi } from '../../support/test-app';

describe('api health', () => {
  describe('with every dependency up', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi();
    });
    afterAll(() => api.close());

    it('/health/live answers without credentials', async () => {
      const res = await api.request('GET', '/health/live');
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('ok');
    });

    it('/health/ready names the database, Redis, the broker and the MQTT bridge, all up', async () => {
      const res = await api.request('GET', '/health/ready');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        status: 'ok',
        checks: {
          database: { status: 'up', latencyMs: expect.any(Number) },
          redis: { status: 'up', latencyMs: expect.any(Number) },
          broker: { status: 'up', latencyMs: expect.any(Number) },
          mqttBridge: { status: 'up', latencyMs: expect.any(Number) },
        },
      });
    });

    it('is not under the /api/v1 prefix', async () => {
      expect((await api.request('GET', '/api/v1/health/ready')).status).toBe(404);
    });
  });

  describe('with Redis unreachable', () => {
    let api: TestApi;
    beforeAll(async () => {
      // Port 1 is closed: connections are refused at once, as when Redis is down.
      api = await startTestApi({ REDIS_URL: 'redis://127.0.0.1:1' });
    });
    afterAll(async () => {
      await api.close();
      // ioredis gives a never-connected socket 2 s to close before destroying it; let it, so the test
      // worker exits cleanly.
      await new Promise((resolve) => setTimeout(resolve, 2100));
    });

    it('/health/ready answers 503 naming Redis as down and the database as up', async () => {
      const res = await api.request('GET', '/health/ready');
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('error');
      expect(res.body.checks.redis).toMatchObject({ status: 'down' });
      expect(res.body.checks.database).toMatchObject({ status: 'up' });
    });

    it('/health/live still answers 200', async () => {
      expect((await api.request('GET', '/health/live')).status).toBe(200);
    });
  });

  describe('with the database unreachable', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi();
      // Simulate the database going away after boot: end the pool the checks use.
      const { DataSource } = await import('typeorm');
      await api.app.get(DataSource).destroy();
    });
    afterAll(() => api.close());

    it('/health/ready answers 503 naming the database', async () => {
      const res = await api.request('GET', '/health/ready');
      expect(res.status).toBe(503);
      expect(res.body.checks.database).toMatchObject({ status: 'down' });
      expect(res.body.checks.redis).toMatchObject({ status: 'up' });
    });
  });
});
