import { Injectable, Logger } from '@nestjs/common';
import { JobName, JobProducer } from '@labwire/queue';
import { BatchOrigin } from '../telemetry/telemetry-ingest.service';
import { TelemetryReading } from '../telemetry/telemetry-reading';
import { AlertRuleIndex, IndexedRule } from './alert-rule-index';
import { decide, IDLE_STORED, Sample } from './alert-rule-machine';
import { AlertRuleStateRepository, pairKey, RulePair } from './alert-rule-state.repository';

interface Group extends RulePair {
  rule: IndexedRule;
  samples: Sample[];
}

export interface EvaluationResult {
  /** (rule, instrument) pairs the batch touched */
  pairs: number;
  /** pairs whose state changed */
  changed: number;
  /** pairs that owe alert actions now (performed by an alert-rules.perform job) */
  owing: number;
}

const NOTHING: EvaluationResult = { pairs: 0, changed: 0, owing: 0 };

/**
 * Evaluates threshold rules on a stored LIVE telemetry batch. Backfilled readings (REST uploads,
 * which are history) never reach rules. Per batch: the readings are matched against the in-memory
 * index, each (rule, instrument) pair's samples run through the state machine from the stored state
 * (one query), and only if something changed are the rows locked, the decision recomputed from the
 * locked state, and the changes written in one statement with the alert actions they owe (an outbox).
 * The actions are performed by an `alert-rules.perform` job, so the alerts service's latency never
 * slows telemetry down; the sweep performs any whose job was lost.
 */
@Injectable()
export class AlertRuleEvaluator {
  private readonly logger = new Logger('AlertRuleEvaluator');

  constructor(
    private readonly index: AlertRuleIndex,
    private readonly states: AlertRuleStateRepository,
    private readonly jobs: JobProducer,
  ) {}

  async afterStored(readings: TelemetryReading[], origin: BatchOrigin): Promise<EvaluationResult> {
    if (origin.source !== 'mqtt') return NOTHING;
    const index = await this.index.current();
    if (index.empty) return NOTHING;
    const groups = new Map<string, Group>();
    for (const r of readings) {
      const rules = index.rules(r.instrumentId, r.metric);
      if (!rules) continue;
      const at = r.time.getTime();
      for (const rule of rules) {
        const key = pairKey(rule.id, r.instrumentId);
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { ruleId: rule.id, instrumentId: r.instrumentId, rule, samples: [] }));
        group.samples.push(rule.sampleOf(at, r.value));
      }
    }
    if (!groups.size) return NOTHING;
    for (const g of groups.values()) {
      let sorted = true;
      for (let i = 1; i < g.samples.length && sorted; i++) sorted = g.samples[i - 1].at <= g.samples[i].at;
      if (!sorted) g.samples.sort((a, b) => a.at - b.at);
    }
    const all = [...groups.values()];
    const stored = await this.states.find(all);
    const moving = all.filter(
      (g) =>
        decide(
          stored.get(pairKey(g.ruleId, g.instrumentId)) ?? IDLE_STORED,
          g.samples,
          g.rule.timing,
          index.status(g.instrumentId),
        ).changed,
    );
    if (!moving.length) return { ...NOTHING, pairs: all.length };
    const owed = await this.states.transition(moving, (pair, before, status) => {
      const g = groups.get(pairKey(pair.ruleId, pair.instrumentId)) as Group;
      return decide(before, g.samples, g.rule.timing, status);
    });
    if (owed.length) {
      const pairs = owed.map((o) => ({ ruleId: o.ruleId, instrumentId: o.instrumentId }));
      await this.jobs
        .enqueue(JobName.AlertRulesPerform, { pairs })
        .catch((err: Error) => this.logger.warn(`alert actions left to the rule sweep: ${err.message}`));
    }
    return { pairs: all.length, changed: moving.length, owing: owed.length };
  }
}
