import { FieldError, ValidationError } from '@labwire/core';
import { RULE_CONDITIONS, RuleCondition } from './alert-rule-condition';
import { AlertRule, RuleKind } from './alert-rule.entity';

export interface RuleRange {
  low: number;
  high: number;
}

export interface RuleScope {
  instrumentId?: string | null;
  instrumentType?: string | null;
  locationId?: string | null;
}

/** A rule as clients write it (REST), before it is checked and flattened into columns. */
export interface AlertRuleInput {
  name: string;
  description?: string | null;
  kind?: RuleKind;
  enabled?: boolean;
  scope: RuleScope;
  metric?: string | null;
  condition?: RuleCondition | null;
  threshold?: number | null;
  range?: RuleRange | null;
  clearThreshold?: number | null;
  clearRange?: RuleRange | null;
  forSeconds?: number;
  clearForSeconds?: number;
  noDataSeconds?: number | null;
  priority?: number | null;
  alertKey: string;
}

export type AlertRuleFields = Omit<AlertRule, 'id' | 'workspaceId' | 'version' | 'createdAt' | 'updatedAt'>;

/** The longest `for`, `clearFor` and no-data window: a week. */
export const RULE_MAX_SECONDS = 7 * 86400;

/** A stored rule in the shape clients write (what a PATCH is merged onto). */
export function ruleInputOf(rule: AlertRuleFields): AlertRuleInput {
  const ranged = rule.condition === 'outside' || rule.condition === 'inside';
  return {
    name: rule.name,
    description: rule.description,
    kind: rule.kind,
    enabled: rule.enabled,
    scope: { instrumentId: rule.instrumentId, instrumentType: rule.instrumentType, locationId: rule.locationId },
    metric: rule.metric,
    condition: rule.condition,
    threshold: ranged ? null : rule.threshold,
    range: ranged && rule.low !== null && rule.high !== null ? { low: rule.low, high: rule.high } : null,
    clearThreshold: ranged ? null : rule.clearThreshold,
    clearRange:
      ranged && rule.clearLow !== null && rule.clearHigh !== null ? { low: rule.clearLow, high: rule.clearHigh } : null,
    forSeconds: rule.forSeconds,
    clearForSeconds: rule.clearForSeconds,
    noDataSeconds: rule.noDataSeconds,
    priority: rule.priority,
    alertKey: rule.alertKey,
  };
}

/**
 * Checks what the DTO cannot check field by field (which fields a kind and condition need, and that
 * the hysteresis lies on the clearing side of the threshold) and flattens the rule into its columns.
 * Throws ValidationError listing every problem.
 */
export function ruleFields(input: AlertRuleInput): AlertRuleFields {
  const errors: FieldError[] = [];
  const need = (ok: boolean, field: string, message: string) => {
    if (!ok) errors.push({ field, message });
  };
  const kind = input.kind ?? 'threshold';
  const scope = input.scope ?? {};
  const instrumentId = scope.instrumentId ?? null;
  const instrumentType = scope.instrumentType?.trim() || null;
  const locationId = scope.locationId ?? null;
  need(
    Boolean(instrumentId || instrumentType || locationId),
    'scope',
    'name one instrument (instrumentId), or instruments by instrumentType and/or locationId',
  );
  need(
    !(instrumentId && (instrumentType || locationId)),
    'scope',
    'is one instrument (instrumentId) or instruments by type and/or location, not both',
  );
  const metric = input.metric?.trim() || null;
  const forSeconds = input.forSeconds ?? 0;
  const clearForSeconds = input.clearForSeconds ?? 0;
  const fields: AlertRuleFields = {
    name: input.name.trim(),
    description: input.description ?? null,
    kind,
    enabled: input.enabled ?? true,
    instrumentId,
    instrumentType,
    locationId,
    metric: kind === 'connectivity' ? null : metric,
    condition: null,
    threshold: null,
    low: null,
    high: null,
    clearThreshold: null,
    clearLow: null,
    clearHigh: null,
    forSeconds,
    clearForSeconds,
    noDataSeconds: null,
    priority: input.priority ?? null,
    alertKey: input.alertKey,
  };
  if (kind === 'threshold') {
    need(metric !== null, 'metric', 'is required for a threshold rule');
    const condition = input.condition ?? null;
    need(
      condition !== null && RULE_CONDITIONS.includes(condition),
      'condition',
      `is one of ${RULE_CONDITIONS.join(', ')}`,
    );
    fields.condition = condition;
    if (condition === 'above' || condition === 'below') {
      const t = input.threshold ?? null;
      need(t !== null, 'threshold', `is required when the condition is ${condition}`);
      need(!input.range, 'range', `is for outside/inside; use threshold with ${condition}`);
      need(!input.clearRange, 'clearRange', `is for outside/inside; use clearThreshold with ${condition}`);
      fields.threshold = t;
      const c = input.clearThreshold ?? null;
      if (t !== null && c !== null) {
        if (condition === 'above') need(c <= t, 'clearThreshold', `must be at most the threshold (${t}) for "above"`);
        else need(c >= t, 'clearThreshold', `must be at least the threshold (${t}) for "below"`);
      }
      fields.clearThreshold = c;
    } else if (condition === 'outside' || condition === 'inside') {
      const r = input.range ?? null;
      need(r !== null, 'range', `is required when the condition is ${condition}`);
      need(input.threshold == null, 'threshold', `is for above/below; use range with ${condition}`);
      need(input.clearThreshold == null, 'clearThreshold', `is for above/below; use clearRange with ${condition}`);
      if (r) need(r.low < r.high, 'range', 'low must be below high');
      fields.low = r?.low ?? null;
      fields.high = r?.high ?? null;
      const c = input.clearRange ?? null;
      if (c) {
        need(c.low <= c.high, 'clearRange', 'low must not be above high');
        if (r && condition === 'outside') {
          need(c.low >= r.low && c.high <= r.high, 'clearRange', `must lie within the range [${r.low}, ${r.high}]`);
        }
        if (r && condition === 'inside') {
          need(c.low <= r.low && c.high >= r.high, 'clearRange', `must contain the range [${r.low}, ${r.high}]`);
        }
      }
      fields.clearLow = c?.low ?? null;
      fields.clearHigh = c?.high ?? null;
    }
  } else {
    need(input.condition == null, 'condition', `is for threshold rules, not ${kind}`);
    need(input.threshold == null && input.range == null, 'threshold', `is for threshold rules, not ${kind}`);
    need(input.clearThreshold == null && input.clearRange == null, 'clearThreshold', `is for threshold rules`);
  }
  if (kind === 'no_data') {
    need(metric !== null, 'metric', 'is required for a no-data rule');
    need(input.noDataSeconds != null, 'noDataSeconds', 'is required for a no-data rule');
    need(!input.forSeconds && !input.clearForSeconds, 'forSeconds', 'a no-data rule waits noDataSeconds instead');
    fields.noDataSeconds = input.noDataSeconds ?? null;
  } else {
    need(input.noDataSeconds == null, 'noDataSeconds', `is for no-data rules, not ${kind}`);
  }
  if (kind === 'connectivity')
    need(metric === null, 'metric', 'a connectivity rule watches the instrument, not a metric');
  if (errors.length) throw new ValidationError('The alert rule is not valid', errors);
  return fields;
}

/** Says what a scope selects, for messages. */
export function describeScope(f: Pick<AlertRuleFields, 'instrumentId' | 'instrumentType' | 'locationId'>): string {
  if (f.instrumentId) return `instrument ${f.instrumentId}`;
  const parts: string[] = [];
  if (f.instrumentType) parts.push(`type "${f.instrumentType}"`);
  if (f.locationId) parts.push(`location ${f.locationId}`);
  return `instruments of ${parts.join(' at ')}`;
}

/**
 * SQL matching instrument `i` against rule `r`'s scope (both in the same workspace). The one
 * definition used by validation, the worker's index and the periodic checks.
 */
export const SCOPE_MATCH_SQL = `i.workspace_id = r.workspace_id
  AND (r.instrument_id IS NULL OR i.id = r.instrument_id)
  AND (r.instrument_type IS NULL OR i.type = r.instrument_type)
  AND (r.location_id IS NULL OR i.location_id = r.location_id)`;
