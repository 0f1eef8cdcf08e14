import { windowState } from './maintenance-window';

describe('windowState', () => {
  const w = { startsAt: new Date('2026-12-10T08:00:00Z'), endsAt: new Date('2026-12-10T12:00:00Z') };

  it('is planned before the start, open from the start, done from the end', () => {
    expect(windowState(w, new Date('2026-12-10T07:59:59Z'))).toBe('planned');
    expect(windowState(w, new Date('2026-12-10T08:00:00Z'))).toBe('open');
    expect(windowState(w, new Date('2026-12-10T11:59:59Z'))).toBe('open');
    expect(windowState(w, new Date('2026-12-10T12:00:00Z'))).toBe('done');
  });
});
