import { metricsAccessAllowed } from './metrics-access';

describe('metricsAccessAllowed', () => {
  const token = 'a-metrics-token-0123456789';

  it('lets everyone in when no token is set', () => {
    expect(metricsAccessAllowed(undefined, null)).toBe(true);
  });

  it('needs exactly the bearer token when one is set', () => {
    expect(metricsAccessAllowed(`Bearer ${token}`, token)).toBe(true);
    expect(metricsAccessAllowed(`bearer ${token}`, token)).toBe(true);
    expect(metricsAccessAllowed(undefined, token)).toBe(false);
    expect(metricsAccessAllowed('', token)).toBe(false);
    expect(metricsAccessAllowed(token, token)).toBe(false);
    expect(metricsAccessAllowed(`Bearer ${token}x`, token)).toBe(false);
    expect(metricsAccessAllowed(`Basic ${token}`, token)).toBe(false);
    expect(metricsAccessAllowed([`Bearer ${token}`], token)).toBe(false);
  });
});
