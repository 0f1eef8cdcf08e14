import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@labwire/core';
import { AlertRuleStateRepository, OwedActions } from './alert-rule-state.repository';
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

/**
 * Performs the alert actions rules owe (trigger, clear) in order, then removes them from
 * the rows' outboxes. A pair whose action fails keeps it (and those after it) for the sweep to retry;
 * other pairs go on.
 */
@Injectable()
export class AlertRuleActions {
  private readonly logger = new Logger('AlertRuleActions');

  constructor(
    private readonly states: AlertRuleStateRepository,
    private readonly sink: RuleAlertSink,
  ) {}

  async perform(owed: OwedActions[]): Promise<number> {
    const done: Array<{ ruleId: string; instrumentId: string; count: number }> = [];
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
        if (count) done.push({ ruleId: o.ruleId, instrumentId: o.instrumentId, count });
        performed += count;
      }),
    );
    await this.states.acknowledge(done);
    return performed;
  }
}
