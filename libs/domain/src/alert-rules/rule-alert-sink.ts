/** Who a rule's alert actions are attributed to. */
export interface RuleActionContext {
  workspaceId: string;
  ruleId: string;
  instrumentId: string;
  alertKey: string;
  priority: number | null;
  note: string;
}

/**
 * Where rules send their alert actions: the alerts service (one open alert per key and instrument, so
 * performing an action twice re-triggers or re-clears the same alert, never duplicates it).
 */
export abstract class RuleAlertSink {
  abstract trigger(ctx: RuleActionContext): Promise<void>;
  abstract clear(ctx: RuleActionContext): Promise<void>;
  /** a firing kept from raising an alert (instrument in maintenance or retired), for the history */
  abstract suppressed(ctx: RuleActionContext): Promise<void>;
}
