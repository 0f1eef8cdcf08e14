import { compileThreshold, ThresholdSpec } from './alert-rule-condition';
import { decide, IDLE, IDLE_STORED, run, Sample, StoredRuleState } from './alert-rule-machine';

const spec = (s: Partial<ThresholdSpec>): ThresholdSpec => ({
  condition: 'above',
  threshold: null,
  low: null,
  high: null,
  clearThreshold: null,
  clearLow: null,
  clearHigh: null,
  ...s,
});

/** Samples one second apart from t=1000 ms. */
function series(
  sampleOf: ReturnType<typeof compileThreshold>,
  values: number[],
  start = 1000,
  stepMs = 1000,
): Sample[] {
  return values.map((v, i) => sampleOf(start + i * stepMs, v));
}

const kinds = (r: ReturnType<typeof run>) => r.transitions.map((t) => t.kind);

describe('compileThreshold', () => {
  it('above / below without hysteresis clear as soon as the condition stops holding', () => {
    const above = compileThreshold(spec({ condition: 'above', threshold: 50 }));
    expect(above(0, 51)).toMatchObject({ breach: true, clear: false });
    expect(above(0, 50)).toMatchObject({ breach: false, clear: true });
    const below = compileThreshold(spec({ condition: 'below', threshold: 2 }));
    expect(below(0, 1)).toMatchObject({ breach: true, clear: false });
    expect(below(0, 2)).toMatchObject({ breach: false, clear: true });
  });

  it('above with a clear threshold: a value between the two is neither breach nor clear', () => {
    const f = compileThreshold(spec({ condition: 'above', threshold: 50, clearThreshold: 40 }));
    expect(f(0, 45)).toMatchObject({ breach: false, clear: false });
    expect(f(0, 39)).toMatchObject({ breach: false, clear: true });
    const g = compileThreshold(spec({ condition: 'below', threshold: 2, clearThreshold: 4 }));
    expect(g(0, 3)).toMatchObject({ breach: false, clear: false });
    expect(g(0, 5)).toMatchObject({ breach: false, clear: true });
  });

  it('outside and inside a range, with and without a clear range', () => {
    const out = compileThreshold(spec({ condition: 'outside', low: 2, high: 8 }));
    expect([out(0, 1).breach, out(0, 9).breach, out(0, 5).breach, out(0, 5).clear]).toEqual([true, true, false, true]);
    const outH = compileThreshold(spec({ condition: 'outside', low: 2, high: 8, clearLow: 3, clearHigh: 7 }));
    expect(outH(0, 7.5)).toMatchObject({ breach: false, clear: false });
    expect(outH(0, 6)).toMatchObject({ breach: false, clear: true });
    const ins = compileThreshold(spec({ condition: 'inside', low: 2, high: 8 }));
    expect([ins(0, 2).breach, ins(0, 8).breach, ins(0, 9).breach, ins(0, 9).clear]).toEqual([true, true, false, true]);
    const insH = compileThreshold(spec({ condition: 'inside', low: 2, high: 8, clearLow: 0, clearHigh: 10 }));
    expect(insH(0, 9)).toMatchObject({ breach: false, clear: false });
    expect(insH(0, 11)).toMatchObject({ breach: false, clear: true });
  });
});

describe('rule state machine', () => {
  const above50 = compileThreshold(spec({ condition: 'above', threshold: 50 }));

  it('fires at once without `for`, and resolves at once without `clearFor`', () => {
    const r = run(IDLE, series(above50, [10, 60, 70, 40]), { forMs: 0, clearForMs: 0 });
    expect(kinds(r)).toEqual(['fire', 'resolve']);
    expect(r.transitions.map((t) => t.at)).toEqual([2000, 4000]);
    expect(r.state.phase).toBe('idle');
  });

  it('with `for`: pending, then fires once the condition held that long', () => {
    const r = run(IDLE, series(above50, [60, 60, 60]), { forMs: 2000, clearForMs: 0 });
    expect(kinds(r)).toEqual(['fire']);
    expect(r.transitions[0].at).toBe(3000);
    const short = run(IDLE, series(above50, [60, 60]), { forMs: 2000, clearForMs: 0 });
    expect(short.transitions).toEqual([]);
    expect(short.state).toMatchObject({ phase: 'pending', since: 1000 });
  });

  it('a dip below the threshold while pending starts `for` over', () => {
    const r = run(IDLE, series(above50, [60, 60, 40, 60, 60]), { forMs: 2000, clearForMs: 0 });
    expect(r.transitions).toEqual([]);
    expect(r.state).toMatchObject({ phase: 'pending', since: 4000 });
  });

  it('pending survives a restart: the stored state continues where it was', () => {
    const first = run(IDLE, series(above50, [60, 60]), { forMs: 2000, clearForMs: 0 });
    const resumed = run(first.state, series(above50, [60], 3000), { forMs: 2000, clearForMs: 0 });
    expect(kinds(resumed)).toEqual(['fire']);
  });

  it('with `clearFor`: clears only after the clear condition held that long; a relapse keeps it firing', () => {
    const t = { forMs: 0, clearForMs: 2000 };
    const r = run(IDLE, series(above50, [60, 40, 60, 40, 40, 40]), t);
    expect(kinds(r)).toEqual(['fire', 'resolve']);
    expect(r.transitions[1].at).toBe(6000);
  });

  it('a value oscillating around the threshold with `for` and hysteresis fires once', () => {
    const f = compileThreshold(spec({ condition: 'above', threshold: 50, clearThreshold: 40 }));
    const values = [55, 55, 55, ...Array.from({ length: 40 }, (_, i) => (i % 2 ? 45 : 55))];
    const r = run(IDLE, series(f, values), { forMs: 2000, clearForMs: 0 });
    expect(kinds(r)).toEqual(['fire']);
    // Without hysteresis the same series fires and resolves over and over.
    const bare = run(IDLE, series(above50, values), { forMs: 0, clearForMs: 0 });
    expect(bare.transitions.length).toBeGreaterThan(20);
  });

  it('ignores samples at or before the last one that moved the state (a redelivered batch)', () => {
    const t = { forMs: 0, clearForMs: 0 };
    const r = run(IDLE, series(above50, [60]), t);
    const again = run(r.state, series(above50, [60, 40], 0), t);
    expect(again.transitions).toEqual([]);
    expect(again.state).toEqual(r.state);
  });
});

describe('decide', () => {
  const above50 = compileThreshold(spec({ condition: 'above', threshold: 50 }));
  const t = { forMs: 0, clearForMs: 0 };

  it('turns a firing into trigger and a resolve into clear', () => {
    const d = decide(IDLE_STORED, series(above50, [60, 40]), t, 'active');
    expect(d.actions.map((a) => a.action)).toEqual(['trigger', 'clear']);
    expect(d).toMatchObject({ alerted: false, changed: true });
  });

  it('suppresses a firing on an instrument in maintenance or retired, and clears nothing after it', () => {
    for (const status of ['maintenance', 'retired']) {
      const d = decide(IDLE_STORED, series(above50, [60]), t, status);
      expect(d.actions.map((a) => a.action)).toEqual(['suppress']);
      expect(d).toMatchObject({ alerted: false, state: { phase: 'firing' } });
      const after = decide({ state: d.state, alerted: false }, series(above50, [40], 5000), t, status);
      expect(after.actions).toEqual([]);
      expect(after.state.phase).toBe('idle');
    }
  });

  it('raises a suppressed firing once the instrument is back in service and the condition still holds', () => {
    const suppressed = decide(IDLE_STORED, series(above50, [60]), t, 'maintenance');
    const stored: StoredRuleState = { state: suppressed.state, alerted: false };
    const back = decide(stored, series(above50, [61], 5000), t, 'active');
    expect(back.actions.map((a) => a.action)).toEqual(['trigger']);
    expect(back.alerted).toBe(true);
  });

  it('changes nothing for normal readings on an idle rule', () => {
    expect(decide(IDLE_STORED, series(above50, [1, 2, 3]), t, 'active')).toMatchObject({ changed: false, actions: [] });
  });
});

describe('late samples (batches of one instrument evaluated out of order)', () => {
  const above50 = compileThreshold(spec({ condition: 'above', threshold: 50, clearThreshold: 40 }));
  const t = { forMs: 2000, clearForMs: 0 };
  // 13 breaching readings 250 ms apart: 3 s of breach, more than `for`
  const all = series(above50, Array(13).fill(55), 0, 250);

  it('fires once when the older half of a breach arrives after the newer half', () => {
    const newer = run(IDLE, all.slice(7), t); // 1750 … 3000: pending, 1.25 s of breach seen
    expect(newer.state).toMatchObject({ phase: 'pending', since: 1750, lastAt: 3000 });
    expect(kinds(newer)).toEqual([]);
    const older = run(newer.state, all.slice(0, 7), t); // 0 … 1500 arrive late
    expect(kinds(older)).toEqual(['fire']);
    expect(older.state).toMatchObject({ phase: 'firing', firingSince: 3000, lastAt: 3000 });
    // redelivered, in any order: nothing more
    expect(kinds(run(older.state, all, t))).toEqual([]);
  });

  it('moves the start of a pending breach earlier without firing when `for` is not reached yet', () => {
    const newer = run(IDLE, all.slice(4, 6), t); // 1000, 1250
    const older = run(newer.state, all.slice(2, 3), t); // 500 arrives late
    expect(older.state).toMatchObject({ phase: 'pending', since: 500, lastAt: 1250 });
    expect(kinds(older)).toEqual([]);
  });

  it('ignores late samples outside a pending breach (idle, firing, late clears)', () => {
    const firing = run(IDLE, all, t).state;
    expect(firing.phase).toBe('firing');
    expect(run(firing, [above50(100, 30)], t)).toMatchObject({ state: firing, transitions: [] });
    // a breach that ended (pending, then normal at 5 s): a late breach from before the end changes nothing
    const idle = run(IDLE, [above50(3000, 99), above50(5000, 10)], t).state;
    expect(idle).toMatchObject({ phase: 'idle', lastAt: 5000 });
    expect(run(idle, [above50(1000, 99)], t)).toMatchObject({ state: idle, transitions: [] });
  });
});
