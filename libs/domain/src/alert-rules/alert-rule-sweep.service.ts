import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AlertRuleActions } from './alert-rule-actions';
import { SCOPE_MATCH_SQL } from './alert-rule-definition';
import { decide, IDLE_STORED, RulePhase, Sample, StoredRuleState, Timing } from './alert-rule-machine';
import { AlertRuleStateRepository, pairKey, RulePair } from './alert-rule-state.repository';

interface Candidate extends RulePair {
  kind: 'no_data' | 'connectivity';
  status: string;
  forSeconds: number;
  clearForSeconds: number;
  noDataSeconds: number | null;
  /** no-data: the newest reading of the metric, else when the instrument entered the rule's scope */
  lastReading: Date | null;
  connectionState: string;
  stateChangedAt: Date | null;
  now: Date;
  phase: RulePhase | null;
  since: Date | null;
  firingSince: Date | null;
  lastAt: Date | null;
  alerted: boolean | null;
}

export interface RuleSweepResult {
  checked: number;
  changed: number;
  actions: number;
  /** actions performed on behalf of a worker that died owing them */
  recovered: number;
}

const ms = (d: Date | null) => (d ? new Date(d).getTime() : null);

/**
 * The rules that time evaluates rather than readings, run on a schedule (and at once for an
 * instrument whose connection state changed):
 * - no-data: fires once `noDataSeconds` passed since the metric's newest reading (its timestamp) or,
 *   with no reading at all, since the rule or the instrument was created; clears when a newer reading
 *   is stored;
 * - connectivity: fires when the instrument has been offline for `forSeconds`, clears once it has been
 *   online for `clearForSeconds`;
 * and performs alert actions a dead worker committed but never performed.
 */
@Injectable()
export class AlertRuleSweepService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly states: AlertRuleStateRepository,
    private readonly actions: AlertRuleActions,
  ) {}

  async sweep(instrumentId?: string): Promise<RuleSweepResult> {
    const candidates = await this.candidates(instrumentId);
    const samples = new Map<string, { c: Candidate; samples: Sample[]; timing: Timing }>();
    const moving: Candidate[] = [];
    for (const c of candidates) {
      const s = this.samplesOf(c);
      const key = pairKey(c.ruleId, c.instrumentId);
      samples.set(key, s);
      const before: StoredRuleState = c.phase
        ? {
            state: { phase: c.phase, since: ms(c.since), firingSince: ms(c.firingSince), lastAt: ms(c.lastAt) },
            alerted: Boolean(c.alerted),
          }
        : IDLE_STORED;
      if (decide(before, s.samples, s.timing, c.status).changed) moving.push(c);
    }
    let actions = 0;
    if (moving.length) {
      const owed = await this.states.transition(moving, (pair, before, status) => {
        const s = samples.get(pairKey(pair.ruleId, pair.instrumentId)) as { samples: Sample[]; timing: Timing };
        return decide(before, s.samples, s.timing, status);
      });
      if (owed.length) actions = await this.actions.performPairs(owed);
    }
    let recovered = 0;
    if (!instrumentId) {
      recovered = await this.actions.performStale();
    }
    return { checked: candidates.length, changed: moving.length, actions, recovered };
  }

  private samplesOf(c: Candidate): { c: Candidate; samples: Sample[]; timing: Timing } {
    const now = new Date(c.now).getTime();
    if (c.kind === 'no_data') {
      const last = ms(c.lastReading) ?? now;
      const silentAt = last + (c.noDataSeconds ?? 0) * 1000;
      // The newest reading clears (if newer than the firing); silence since then fires again. Both
      // can be news in one sweep when the metric reported once and went silent again in between.
      const samples: Sample[] = [{ at: last, breach: false, clear: true }];
      if (now >= silentAt) samples.push({ at: silentAt, breach: true, clear: false });
      return { c, samples, timing: { forMs: 0, clearForMs: 0 } };
    }
    const offline = c.connectionState === 'offline';
    const online = c.connectionState === 'online';
    const changedAt = ms(c.stateChangedAt) ?? now;
    const sample = (at: number): Sample => ({ at, breach: offline, clear: online });
    return {
      c,
      samples: changedAt < now ? [sample(changedAt), sample(now)] : [sample(now)],
      timing: { forMs: c.forSeconds * 1000, clearForMs: c.clearForSeconds * 1000 },
    };
  }

  private candidates(instrumentId?: string): Promise<Candidate[]> {
    return this.dataSource.query(
      `SELECT r.id AS "ruleId", i.id AS "instrumentId", r.kind, i.status, r.for_seconds AS "forSeconds",
              r.clear_for_seconds AS "clearForSeconds", r.no_data_seconds AS "noDataSeconds",
              COALESCE(l."time", GREATEST(r.created_at, i.created_at)) AS "lastReading",
              i.connection_state AS "connectionState", i.state_changed_at AS "stateChangedAt", now() AS now,
              s.phase, s.since, s.firing_since AS "firingSince", s.last_at AS "lastAt", s.alerted
         FROM alert_rules r
         JOIN instruments i ON ${SCOPE_MATCH_SQL}
         LEFT JOIN telemetry_latest l ON r.kind = 'no_data' AND l.instrument_id = i.id AND l.metric = r.metric
         LEFT JOIN alert_rule_states s ON s.rule_id = r.id AND s.instrument_id = i.id
        WHERE r.enabled AND r.kind IN ('no_data', 'connectivity')
          AND ($1::uuid IS NULL OR (i.id = $1 AND r.kind = 'connectivity'))`,
      [instrumentId ?? null],
    );
  }
}
