import { INestApplicationContext } from '@nestjs/common';
import { WorkerHttpServer } from '../../../apps/worker/src/http/worker-http-server';
import { createUser, startTestApi, TestApi } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';

const TOKEN = 'metrics-token-for-the-test-0001';

/** METRICS_TOKEN: /metrics on the api and on the worker's port need the bearer token once it is set. */
describe('metrics behind METRICS_TOKEN', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let workerMetrics: string;

  beforeAll(async () => {
    api = await startTestApi({ METRICS_TOKEN: TOKEN });
    worker = await startTestWorker(api, { METRICS_TOKEN: TOKEN });
    workerMetrics = `http://127.0.0.1:${worker.get(WorkerHttpServer).port()}/metrics`;
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('api: 401 problem+json without the token or with another credential; the metrics with it', async () => {
    const user = await createUser(api);
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong-token-0000000000' },
      { authorization: TOKEN },
    ];
    for (const headers of attempts) {
      const res = await api.request('GET', '/metrics', { headers });
      expect(res.status).toBe(401);
      expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(res.body).toMatchObject({ code: 'UNAUTHENTICATED', detail: expect.stringContaining('METRICS_TOKEN') });
    }
    // a user's access token is not the metrics token
    expect((await api.request('GET', '/metrics', { token: user.token })).status).toBe(401);
    const ok = await api.request('GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(String(ok.body)).toContain('process_cpu_user_seconds_total');
    // health stays open for orchestrators
    expect((await api.request('GET', '/health/live')).status).toBe(200);
  });

  it("worker's port: 401 without the token, the metrics with it; health stays open", async () => {
    const denied = await fetch(workerMetrics);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await denied.text()).not.toContain('process_cpu');
    expect((await fetch(workerMetrics, { headers: { authorization: 'Bearer nope-nope-nope-nope' } })).status).toBe(401);
    const ok = await fetch(workerMetrics, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('process_cpu_user_seconds_total');
    expect((await fetch(workerMetrics.replace('/metrics', '/health/live'))).status).toBe(200);
  });
});
