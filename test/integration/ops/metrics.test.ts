import { createUser, startTestApi, TestApi } from '../../support/test-app';

describe('api metrics', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('serves Prometheus text with request durations labelled by route template', async () => {
    const user = await createUser(api);
    await api.request('GET', '/api/v1/users/me', { token: user.token });
    await api.request('GET', `/api/v1/users/${user.id}`, { token: user.token });
    await api.request('GET', '/no/such/route/12345');

    const res = await api.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toMatch(/^text\/plain; version=0\.0\.4/);
    const text: string = res.body;
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/api\/v1\/users\/me",status_code="200"\}/,
    );
    // The template, never the raw URL: ids and unknown paths must not become label values.
    expect(text).toMatch(/route="\/api\/v1\/users\/:(\w+)"/);
    expect(text).not.toContain(user.id);
    expect(text).not.toContain('/no/such/route');
    expect(text).toContain('route="(unmatched)",status_code="404"');
  });

  it('includes process metrics and queue depths per queue and state', async () => {
    const text: string = (await api.request('GET', '/metrics')).body;
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    for (const state of ['waiting', 'active', 'delayed', 'failed']) {
      expect(text).toContain(`labwire_queue_jobs{queue="maintenance",state="${state}"}`);
    }
  });
});
