import { FieldError, ValidationError } from '@labwire/core';
import {
  ClassificationMode,
  LabelRule,
  LabelSpec,
  regexProblem,
  RuleType,
  tokenize,
  TrainingExample,
} from '@labwire/providers';
import { HttpProviderSettings, SchemeDefinition, SchemeProvider, SchemeTraining } from './classification-scheme';

/** Limits of a scheme (the DTOs document the same). */
export const SCHEME_LIMITS = {
  labels: 100,
  labelName: 100,
  labelDescription: 1000,
  rulesPerLabel: 50,
  rulePattern: 200,
  ruleWeight: 20,
  examples: 2000,
  exampleText: 5000,
  endpoint: 2000,
  model: 200,
  apiKey: 4096,
  datasourceIds: 100,
} as const;

export const HTTP_PROVIDER_DEFAULTS = {
  batchSize: 20,
  requestsPerMinute: 60,
  timeoutMs: 60_000,
  maxRetries: 4,
} as const;

export interface RuleInput {
  type: RuleType;
  pattern: string;
  weight?: number;
  caseSensitive?: boolean;
}

export interface LabelInput {
  name: string;
  description?: string | null;
  rules?: RuleInput[];
}

export interface ProviderInput {
  type: 'builtin' | 'http';
  endpoint?: string;
  model?: string;
  batchSize?: number;
  requestsPerMinute?: number;
  timeoutMs?: number;
  maxRetries?: number;
  /** write-only: a string stores it, null removes it, absent keeps the stored one (same endpoint origin) */
  apiKey?: string | null;
}

/** What a client sends for a scheme's definition (create: all of it; update: the parts it changes). */
export interface DefinitionInput {
  mode: ClassificationMode;
  threshold?: number;
  labels: LabelInput[];
  examples?: TrainingExample[];
  provider?: ProviderInput;
  training?: { metadataField: string; datasourceIds?: string[] | null } | null;
}

/**
 * Checks and normalises a scheme's definition: label names trimmed and unique (ignoring case), rules
 * well formed (a keyword must hold a word; a regex must pass the backtracking checks), examples of
 * existing labels (written in any case, stored as the label is named), an http(s) endpoint without
 * credentials. Every problem is reported at once as VALIDATION_FAILED with its field path.
 */
export function normaliseDefinition(input: DefinitionInput): SchemeDefinition {
  const errors: FieldError[] = [];
  const problem = (field: string, message: string) => errors.push({ field, message });

  const mode = input.mode;
  const threshold = input.threshold ?? 0.5;
  if (!(threshold >= 0 && threshold < 1)) problem('threshold', 'must be at least 0 and below 1');
  const labels: LabelSpec[] = [];
  const byName = new Map<string, string>();
  if (mode === 'single' && input.labels.length < 2) problem('labels', 'a single-label scheme needs at least 2 labels');
  if (!input.labels.length) problem('labels', 'at least one label is needed');
  input.labels.forEach((label, i) => {
    const name = label.name.trim();
    if (!name) problem(`labels[${i}].name`, 'must not be blank');
    const key = name.toLowerCase();
    if (byName.has(key)) problem(`labels[${i}].name`, `"${name}" is given twice (names are compared ignoring case)`);
    byName.set(key, name);
    const rules: LabelRule[] = [];
    (label.rules ?? []).forEach((rule, j) => {
      const field = `labels[${i}].rules[${j}]`;
      const weight = rule.weight ?? 1;
      if (!Number.isFinite(weight) || Math.abs(weight) > SCHEME_LIMITS.ruleWeight || weight === 0) {
        problem(
          `${field}.weight`,
          `must be a non-zero number from -${SCHEME_LIMITS.ruleWeight} to ${SCHEME_LIMITS.ruleWeight}`,
        );
      }
      if (rule.type === 'keyword') {
        if (!tokenize(rule.pattern).length) {
          problem(`${field}.pattern`, 'holds no word of two or more letters or digits, so it can never match');
        }
        if (rule.caseSensitive) problem(`${field}.caseSensitive`, 'keywords are always matched ignoring case');
      } else {
        const why = regexProblem(rule.pattern, rule.caseSensitive ?? false);
        if (why) problem(`${field}.pattern`, why);
      }
      rules.push({
        type: rule.type,
        pattern: rule.pattern,
        weight,
        ...(rule.type === 'regex' && { caseSensitive: rule.caseSensitive ?? false }),
      });
    });
    labels.push({ name, description: label.description?.trim() || null, rules });
  });

  const examples: TrainingExample[] = [];
  (input.examples ?? []).forEach((example, i) => {
    const label = byName.get(example.label.trim().toLowerCase());
    if (!label) problem(`examples[${i}].label`, `"${example.label}" is not one of the scheme's labels`);
    if (!example.text.trim()) problem(`examples[${i}].text`, 'must not be blank');
    examples.push({ text: example.text, label: label ?? example.label });
  });

  const provider = normaliseProvider(input.provider ?? { type: 'builtin' }, problem);
  let training: SchemeTraining | null = null;
  if (input.training) {
    const field = input.training.metadataField.trim();
    if (!field) problem('training.metadataField', 'must not be blank');
    const ids = input.training.datasourceIds
      ? [...new Set(input.training.datasourceIds.map((id) => id.toLowerCase()))]
      : null;
    training = { metadataField: field, datasourceIds: ids?.length ? ids : null };
    if (provider.type !== 'builtin') problem('training', 'only the built-in provider trains on labelled records');
  }
  if (errors.length) throw new ValidationError('The classification scheme is not valid', errors);
  return { mode, threshold, labels, examples, provider, training };
}

function normaliseProvider(input: ProviderInput, problem: (field: string, message: string) => void): SchemeProvider {
  if (input.type === 'builtin') {
    for (const key of [
      'endpoint',
      'model',
      'apiKey',
      'batchSize',
      'requestsPerMinute',
      'timeoutMs',
      'maxRetries',
    ] as const) {
      if (input[key] !== undefined && input[key] !== null)
        problem(`provider.${key}`, 'applies to the http provider only');
    }
    return { type: 'builtin' };
  }
  const endpoint = (input.endpoint ?? '').trim();
  const why = endpointProblem(endpoint);
  if (why) problem('provider.endpoint', why);
  const model = (input.model ?? '').trim();
  if (!model) problem('provider.model', 'is required for the http provider');
  const settings: HttpProviderSettings = {
    type: 'http',
    endpoint,
    model,
    batchSize: input.batchSize ?? HTTP_PROVIDER_DEFAULTS.batchSize,
    requestsPerMinute: input.requestsPerMinute ?? HTTP_PROVIDER_DEFAULTS.requestsPerMinute,
    timeoutMs: input.timeoutMs ?? HTTP_PROVIDER_DEFAULTS.timeoutMs,
    maxRetries: input.maxRetries ?? HTTP_PROVIDER_DEFAULTS.maxRetries,
  };
  return settings;
}

/** Why an endpoint URL is refused, or undefined. (Where it may point is checked when it is called.) */
export function endpointProblem(endpoint: string): string | undefined {
  if (!endpoint) return 'is required for the http provider';
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not hold credentials (set provider.apiKey instead)';
  if (url.search || url.hash) return 'must not have a query or a fragment';
  return undefined;
}

/** The origin an API key is bound to: a key is never sent to another origin than the one it was set for. */
export function providerOrigin(provider: SchemeProvider): string | null {
  return provider.type === 'http' ? new URL(provider.endpoint).origin : null;
}
