import { DomainError, NotFoundError } from '@labwire/core';

export class AlertRuleNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('ALERT_RULE_NOT_FOUND', 'Alert rule', id);
  }
}

/** A rule whose scope selects no instrument of the workspace would never evaluate: refused. */
export class AlertRuleScopeEmptyError extends DomainError {
  constructor(scope: string) {
    super('ALERT_RULE_SCOPE_EMPTY', `The rule's scope (${scope}) matches no instrument of this workspace`, [
      { field: 'scope', message: `matches no instrument of this workspace (${scope})` },
    ]);
  }
}
