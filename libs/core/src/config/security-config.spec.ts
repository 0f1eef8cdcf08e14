import { loadConfig } from './app-config';

describe('security settings', () => {
  it('TRUST_PROXY: off by default; a hop count or proxy addresses and CIDR ranges; never true', () => {
    expect(loadConfig({}).api.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).api.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '0' }).api.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).api.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,fd00::/8' }).api.trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      'fd00::/8',
    ]);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY.*any client choose its address/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
  });

  it('METRICS_TOKEN: unset leaves /metrics open; a short token is refused', () => {
    expect(loadConfig({}).metrics.token).toBeNull();
    expect(loadConfig({ METRICS_TOKEN: 'x'.repeat(16) }).metrics.token).toBe('x'.repeat(16));
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });

  it('SSE_MAX_STREAMS_PER_USER and LOGIN_ACCOUNT_MAX_FAILURES have defaults', () => {
    const c = loadConfig({});
    expect(c.api.sseMaxStreamsPerUser).toBe(10);
    expect(c.auth.loginAccountMaxFailures).toBe(100);
  });
});
