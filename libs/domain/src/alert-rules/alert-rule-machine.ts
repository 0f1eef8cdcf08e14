/**
 * The evaluation state machine of one rule on one instrument, as pure functions of (state, samples):
 *
 *   idle ──breach──▶ pending ──breach held `for`──▶ firing ──clear──▶ clearing ──clear held `clearFor`──▶ idle
 *     ▲                 │                             ▲                  │
 *     └──no breach──────┘                             └───no clear───────┘
 *
 * With `for` 0 a breach fires at once; with `clearFor` 0 a clear resolves at once. Hysteresis comes
 * from the caller's samples: "breach" and "clear" are separate predicates (a value between the clear
 * threshold and the threshold is neither), so a value oscillating around the threshold keeps a firing
 * rule firing instead of resolving and firing again on every crossing.
 *
 * Time is the samples' time (the readings' own timestamps), never the wall clock, so a redelivered
 * batch replays exactly: samples at or before the newest one applied are ignored, except that a late
 * breach can move a pending breach's start earlier (batches of one instrument may be evaluated out
 * of order).
 */
export const RULE_PHASES = ['idle', 'pending', 'firing', 'clearing'] as const;
export type RulePhase = (typeof RULE_PHASES)[number];

export interface RuleState {
  phase: RulePhase;
  /** pending since (phase pending) or clearing since (phase clearing); null otherwise */
  since: number | null;
  /** when the rule last fired (phases firing and clearing) */
  firingSince: number | null;
  /** time of the newest sample applied (in pending: the newest breach): older samples are late */
  lastAt: number | null;
}

export const IDLE: RuleState = Object.freeze({ phase: 'idle', since: null, firingSince: null, lastAt: null });

export interface Sample {
  /** epoch ms */
  at: number;
  /** the firing condition holds */
  breach: boolean;
  /** the clear condition holds (with hysteresis this is stricter than "not breach") */
  clear: boolean;
  /** the reading's value, kept for the alert's note */
  value?: number;
}

export interface Timing {
  forMs: number;
  clearForMs: number;
}

export interface RuleTransition {
  kind: 'fire' | 'resolve';
  at: number;
  value?: number;
}

export interface RunResult {
  state: RuleState;
  transitions: RuleTransition[];
  /** the last sample considered (not stale), if any */
  last?: Sample;
}

/** Applies one sample; returns the new state and the transition it caused, if any. */
export function step(state: RuleState, s: Sample, t: Timing): { state: RuleState; transition?: RuleTransition } {
  if (state.lastAt !== null && s.at <= state.lastAt) return late(state, s, t);
  const fire = (): { state: RuleState; transition: RuleTransition } => ({
    state: { phase: 'firing', since: null, firingSince: s.at, lastAt: s.at },
    transition: { kind: 'fire', at: s.at, value: s.value },
  });
  const resolve = (): { state: RuleState; transition: RuleTransition } => ({
    state: { phase: 'idle', since: null, firingSince: null, lastAt: s.at },
    transition: { kind: 'resolve', at: s.at, value: s.value },
  });
  switch (state.phase) {
    case 'idle':
      if (!s.breach) return { state };
      if (t.forMs <= 0) return fire();
      return { state: { phase: 'pending', since: s.at, firingSince: null, lastAt: s.at } };
    case 'pending':
      if (!s.breach) return { state: { ...IDLE, lastAt: s.at } };
      if (s.at - (state.since ?? s.at) >= t.forMs) return fire();
      // the newest breach is kept: a late, older breach may complete `for` (see late())
      return { state: { ...state, lastAt: s.at } };
    case 'firing':
      if (!s.clear) return { state };
      if (t.clearForMs <= 0) return resolve();
      return { state: { ...state, phase: 'clearing', since: s.at, lastAt: s.at } };
    case 'clearing':
      if (!s.clear) return { state: { ...state, phase: 'firing', since: null, lastAt: s.at } };
      if (s.at - (state.since ?? s.at) >= t.clearForMs) return resolve();
      return { state };
  }
}

/**
 * A sample older than the newest one applied. An instrument's readings travel in separate batches
 * that workers store concurrently, so they may be evaluated out of order. Such a sample can only move
 * the start of a pending breach earlier (the breach held since then), which may complete `for`: the
 * rule then fires at the newest breach's time. Anything else about it is stale and ignored, so a
 * redelivered batch changes nothing.
 */
function late(state: RuleState, s: Sample, t: Timing): { state: RuleState; transition?: RuleTransition } {
  if (state.phase !== 'pending' || !s.breach || state.since === null || s.at >= state.since) return { state };
  const newest = state.lastAt ?? s.at;
  if (newest - s.at >= t.forMs) {
    return {
      state: { phase: 'firing', since: null, firingSince: newest, lastAt: newest },
      transition: { kind: 'fire', at: newest, value: s.value },
    };
  }
  return { state: { ...state, since: s.at } };
}

/** Applies samples in time order (the caller sorts them); collects every transition. */
export function run(state: RuleState, samples: readonly Sample[], t: Timing): RunResult {
  const transitions: RuleTransition[] = [];
  let last: Sample | undefined;
  for (const s of samples) {
    if (state.lastAt === null || s.at > state.lastAt) last = s;
    const next = step(state, s, t);
    state = next.state;
    if (next.transition) transitions.push(next.transition);
  }
  return { state, transitions, last };
}

export function sameState(a: RuleState, b: RuleState): boolean {
  return a.phase === b.phase && a.since === b.since && a.firingSince === b.firingSince && a.lastAt === b.lastAt;
}

/** Whether the state machine considers the rule raised (its alert open, or suppressed). */
export function isRaised(state: RuleState): boolean {
  return state.phase === 'firing' || state.phase === 'clearing';
}

/** Instrument statuses under which a firing rule raises nothing (recorded as suppressed instead). */
export const SUPPRESSING_STATUSES: readonly string[] = ['maintenance', 'retired'];

export interface StoredRuleState {
  state: RuleState;
  /** whether the current firing raised an alert (false after a suppressed firing) */
  alerted: boolean;
}

export const IDLE_STORED: StoredRuleState = Object.freeze({ state: IDLE, alerted: false });

export type RuleActionKind = 'trigger' | 'clear' | 'suppress';

export interface Decision {
  state: RuleState;
  alerted: boolean;
  actions: Array<{ action: RuleActionKind; at: number; value?: number }>;
  /** whether anything must be written */
  changed: boolean;
}

/**
 * What a rule does with new samples on an instrument whose status is `status`: the state machine's
 * transitions become alert actions. A firing on an instrument in maintenance or retired is
 * suppressed (the rule is firing, but no alert is raised, and the suppression is recorded); if the
 * instrument is back in service while the condition still holds, the next breaching sample raises
 * the alert then. A resolve clears only an alert that was raised.
 */
export function decide(before: StoredRuleState, samples: readonly Sample[], timing: Timing, status: string): Decision {
  const result = run(before.state, samples, timing);
  const suppressing = SUPPRESSING_STATUSES.includes(status);
  const actions: Decision['actions'] = [];
  let alerted = before.alerted;
  for (const t of result.transitions) {
    if (t.kind === 'fire') {
      alerted = !suppressing;
      actions.push({ action: suppressing ? 'suppress' : 'trigger', at: t.at, value: t.value });
    } else {
      if (alerted) actions.push({ action: 'clear', at: t.at, value: t.value });
      alerted = false;
    }
  }
  const last = result.last;
  if (isRaised(result.state) && !alerted && !suppressing && last?.breach && !result.transitions.length) {
    // a suppressed firing whose instrument is back in service, still breaching: raise it now
    alerted = true;
    actions.push({ action: 'trigger', at: last.at, value: last.value });
  }
  return {
    state: result.state,
    alerted,
    actions,
    changed: actions.length > 0 || alerted !== before.alerted || !sameState(result.state, before.state),
  };
}
