import { AppConfig } from '@labwire/core';
import { InstrumentRateLimiter } from './instrument-rate-limiter';

const limiter = (perSecond: number, burst: number) =>
  new InstrumentRateLimiter({ mqtt: { instrumentRateLimit: { perSecond, burst } } } as AppConfig);

describe('InstrumentRateLimiter', () => {
  it('lets a burst through, then the rate, per instrument', () => {
    const l = limiter(10, 5);
    let passed = 0;
    for (let i = 0; i < 100; i++) if (l.take('a', 1000)) passed++;
    expect(passed).toBe(5);
    expect(l.take('b', 1000)).toBe(true); // another instrument has its own bucket
    // 1 s later: 10 more tokens, capped at the burst
    passed = 0;
    for (let i = 0; i < 100; i++) if (l.take('a', 2000)) passed++;
    expect(passed).toBe(5);
    // 300 ms later: 3 tokens
    passed = 0;
    for (let i = 0; i < 100; i++) if (l.take('a', 2300)) passed++;
    expect(passed).toBe(3);
  });

  it('is off at a rate of 0', () => {
    const l = limiter(0, 1);
    expect(l.enabled).toBe(false);
    for (let i = 0; i < 1000; i++) expect(l.take('a', 0)).toBe(true);
  });

  it('forgets full buckets when many instruments were heard from', () => {
    const l = limiter(1000, 1);
    for (let i = 0; i < 50_000; i++) l.take(`i${i}`, 0);
    l.take('new', 10_000);
    expect((l as unknown as { buckets: Map<string, unknown> }).buckets.size).toBe(1);
  });
});
