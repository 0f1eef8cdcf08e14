import { Sample } from './alert-rule-machine';

export const RULE_CONDITIONS = ['above', 'below', 'outside', 'inside'] as const;
export type RuleCondition = (typeof RULE_CONDITIONS)[number];

/** The numbers of a threshold rule, as stored. */
export interface ThresholdSpec {
  condition: RuleCondition;
  /** above / below */
  threshold: number | null;
  /** outside / inside: the range [low, high] */
  low: number | null;
  high: number | null;
  /** hysteresis: above / below clear past this instead of the threshold */
  clearThreshold: number | null;
  /** hysteresis: outside clears inside [clearLow, clearHigh]; inside clears outside it */
  clearLow: number | null;
  clearHigh: number | null;
}

export type SampleOf = (at: number, value: number) => Sample;

/**
 * Compiles a threshold rule into a sample function (called once per reading: no allocation beyond the
 * sample). Without a clear threshold a rule clears as soon as the condition no longer holds.
 *
 * - above T (clear C ≤ T): breach v > T, clear v < C (or v ≤ T without C)
 * - below T (clear C ≥ T): breach v < T, clear v > C (or v ≥ T without C)
 * - outside [L, H] (clear [CL, CH] within it): breach v < L or v > H, clear CL ≤ v ≤ CH
 * - inside [L, H] (clear [CL, CH] around it): breach L ≤ v ≤ H, clear v < CL or v > CH
 */
export function compileThreshold(spec: ThresholdSpec): SampleOf {
  switch (spec.condition) {
    case 'above': {
      const t = spec.threshold as number;
      const c = spec.clearThreshold;
      return c === null
        ? (at, value) => ({ at, value, breach: value > t, clear: value <= t })
        : (at, value) => ({ at, value, breach: value > t, clear: value < c });
    }
    case 'below': {
      const t = spec.threshold as number;
      const c = spec.clearThreshold;
      return c === null
        ? (at, value) => ({ at, value, breach: value < t, clear: value >= t })
        : (at, value) => ({ at, value, breach: value < t, clear: value > c });
    }
    case 'outside': {
      const lo = spec.low as number;
      const hi = spec.high as number;
      const cl = spec.clearLow ?? lo;
      const ch = spec.clearHigh ?? hi;
      return (at, value) => ({ at, value, breach: value < lo || value > hi, clear: value >= cl && value <= ch });
    }
    case 'inside': {
      const lo = spec.low as number;
      const hi = spec.high as number;
      const cl = spec.clearLow;
      const ch = spec.clearHigh;
      return cl === null || ch === null
        ? (at, value) => ({ at, value, breach: value >= lo && value <= hi, clear: value < lo || value > hi })
        : (at, value) => ({ at, value, breach: value >= lo && value <= hi, clear: value < cl || value > ch });
    }
  }
}
