import { Injectable } from '@nestjs/common';
import { AlertsService } from '../alerts/alerts.service';

/** What a rule tells the alerts service, on behalf of which rule and instrument. */
export interface RuleActionContext {
  workspaceId: string;
  ruleId: string;
  instrumentId: string;
  alertKey: string;
  priority: number | null;
  note: string;
}

/**
 * Rules' alert actions, through the alerts service with the rule as actor. There is at most one open
 * alert per key and instrument, so an action performed twice (a retry after a crash) re-triggers or
 * re-clears that alert, never opens a second one.
 */
@Injectable()
export class RuleAlertSink {
  constructor(private readonly alerts: AlertsService) {}

  async trigger(ctx: RuleActionContext): Promise<void> {
    await this.alerts.trigger(ctx.workspaceId, ctx.alertKey, {
      priority: ctx.priority ?? undefined,
      note: ctx.note,
      instrumentId: ctx.instrumentId,
      actor: { kind: 'rule', id: ctx.ruleId },
    });
  }

  async clear(ctx: RuleActionContext): Promise<void> {
    await this.alerts.clear(ctx.workspaceId, ctx.alertKey, {
      note: ctx.note,
      instrumentId: ctx.instrumentId,
      actor: { kind: 'rule', id: ctx.ruleId },
    });
  }
}
