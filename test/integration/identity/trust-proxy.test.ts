import { startTestApi, TestApi } from '../../support/test-app';

const LOGIN = '/api/v1/auth/login';

/** Which client address the per-IP login limit counts (the requests come from 127.0.0.1). */
describe('TRUST_PROXY and the address the login limit sees', () => {
  const statuses = async (api: TestApi) => {
    const out: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await api.request('POST', LOGIN, {
        body: { email: `nobody${i}@lab.test`, password: 'whatever pass' },
        headers: { 'x-forwarded-for': `203.0.113.${i + 1}` },
      });
      out.push(res.status);
    }
    return out;
  };

  it('off (the default): X-Forwarded-For does not change the address, so the limit holds', async () => {
    const api = await startTestApi({ LOGIN_IP_LIMIT_PER_MINUTE: '3' });
    try {
      expect(api.config.api.trustProxy).toBe(false);
      expect(await statuses(api)).toEqual([401, 401, 401, 429]);
    } finally {
      await api.close();
    }
  });

  it('set to a range holding 127.0.0.1: the address the proxy forwards is the client', async () => {
    const api = await startTestApi({ LOGIN_IP_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '127.0.0.0/8' });
    try {
      expect(await statuses(api)).toEqual([401, 401, 401, 401]);
    } finally {
      await api.close();
    }
  });

  it('set to a range not holding 127.0.0.1: the header is ignored', async () => {
    const api = await startTestApi({ LOGIN_IP_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '10.0.0.0/8' });
    try {
      expect(await statuses(api)).toEqual([401, 401, 401, 429]);
    } finally {
      await api.close();
    }
  });
});
