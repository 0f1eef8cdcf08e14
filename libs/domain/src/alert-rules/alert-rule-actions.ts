import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@labwire/core';
import { AlertRuleStateRepository, OwedActions, RulePair } from './alert-rule-state.repository';
import { PendingRuleAction } from './alert-rule-state.entity';
import { RuleAlertSink } from './rule-alert-sink';

function noteOf(owed: OwedActions, a: PendingRuleAction): string {
  const value = a.value === undefined ? '' : ` (value ${a.value})`;
  switch (a.action) {
    case 'trigger':
      return `rule "${owed.ruleName}" fired${value}`;
    default:
      return `rule "${owed.ruleName}" cleared${value}`;
  }
}

/** How long a performer holds an outbox: far longer than a few alert calls take. */
const LEASE_SECONDS = 60;
/** Outboxes nobody performed for this long are performed by the sweep (a dead worker, a lost job). */
export const STALE_ACTIONS_SECONDS = 30;
const STALE_BATCH = 500;
/** Actions appended while a performer worked are taken in further rounds, up to this many. */
const MAX_ROUNDS = 5;

/**
 * Performs the alert actions rules owe (trigger, clear), each outbox in order, by one performer at a
 * time (a claim on the row), then removes them from the outbox and releases it. A pair whose action
 * fails keeps it (and those after it) for the sweep to retry; other pairs go on.
 */
@Injectable()
export class AlertRuleActions {
  private readonly logger = new Logger('AlertRuleActions');

  constructor(
    private readonly states: AlertRuleStateRepository,
    private readonly sink: RuleAlertSink,
  ) {}

  /** Performs what these pairs owe (a perform job, or the sweep's own transitions). */
  async performPairs(pairs: RulePair[]): Promise<number> {
    let performed = 0;
    for (let round = 0; round < MAX_ROUNDS && pairs.length; round++) {
      const claimed = await this.states.claim(pairs, LEASE_SECONDS);
      if (!claimed.length) break;
      performed += await this.perform(claimed);
    }
    return performed;
  }

  /** Performs outboxes left behind for STALE_ACTIONS_SECONDS. */
  async performStale(): Promise<number> {
    const claimed = await this.states.claimStale(STALE_ACTIONS_SECONDS, LEASE_SECONDS, STALE_BATCH);
    return claimed.length ? this.perform(claimed) : 0;
  }

  private async perform(owed: OwedActions[]): Promise<number> {
    const done: Array<RulePair & { count: number }> = [];
    let performed = 0;
    await Promise.all(
      owed.map(async (o) => {
        let count = 0;
        try {
          for (const a of o.actions) {
            const ctx = {
              workspaceId: o.workspaceId,
              ruleId: o.ruleId,
              instrumentId: o.instrumentId,
              alertKey: o.alertKey,
              priority: o.priority,
              note: noteOf(o, a),
            };
            try {
              if (a.action === 'trigger') await this.sink.trigger(ctx);
              else await this.sink.clear(ctx);
            } catch (err) {
              // The instrument or workspace is gone: nothing left to alert about.
              if (!(err instanceof DomainError && err.code.endsWith('_NOT_FOUND'))) throw err;
            }
            count++;
          }
        } catch (err) {
          this.logger.warn(
            `rule ${o.ruleId} on instrument ${o.instrumentId}: alert action failed, retried by the sweep: ${(err as Error).message}`,
          );
        }
        // Every claimed pair is released, including one that performed nothing.
        done.push({ ruleId: o.ruleId, instrumentId: o.instrumentId, count });
        performed += count;
      }),
    );
    await this.states.acknowledge(done);
    return performed;
  }
}
