import { z } from 'zod';
import { FieldError, ValidationError } from '@labwire/core';

/** Limits of a protocol (the DTOs and docs say the same). */
export const PROTOCOL_LIMITS = {
  roles: 20,
  parameters: 50,
  steps: 500,
  name: 100,
  text: 2000,
  /** a wait or record step, in seconds */
  maxDurationSeconds: 86_400,
  /** a command's reply timeout and a waitFor's timeout, in seconds */
  maxTimeoutSeconds: 86_400,
  /** everything a run may wait for, added up (the run job's own timeout is 7 days) */
  maxTotalSeconds: 6 * 86_400,
  retries: 10,
} as const;

export const PARAMETER_TYPES = ['number', 'integer', 'string', 'boolean'] as const;
export const STEP_KINDS = ['command', 'wait', 'record', 'waitFor', 'mark'] as const;
export const ON_FAILURE = ['abort', 'continue', 'retry'] as const;
export const COMPARISONS = ['<', '<=', '>', '>=', '==', '!='] as const;

export type StepKind = (typeof STEP_KINDS)[number];
export type Comparison = (typeof COMPARISONS)[number];

const name = z
  .string()
  .trim()
  .min(1, 'must not be blank')
  .max(PROTOCOL_LIMITS.name)
  .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - (starting with a letter)');
const label = z.string().trim().min(1, 'must not be blank').max(PROTOCOL_LIMITS.name);
const text = z.string().max(PROTOCOL_LIMITS.text);
const duration = z
  .number()
  .positive('must be more than 0')
  .max(PROTOCOL_LIMITS.maxDurationSeconds, `at most ${PROTOCOL_LIMITS.maxDurationSeconds} s`);
const timeout = z
  .number()
  .positive('must be more than 0')
  .max(PROTOCOL_LIMITS.maxTimeoutSeconds, `at most ${PROTOCOL_LIMITS.maxTimeoutSeconds} s`);
const scalar = z.union([z.number(), z.string().max(PROTOCOL_LIMITS.text), z.boolean()]);

const roleSchema = z.strictObject({
  name,
  description: text.nullish(),
  /** the instrument's `type` must equal this */
  type: label.nullish(),
  /** the instrument's capabilities must hold each of these as a truthy key */
  capabilities: z.array(label).max(20).optional(),
});

const parameterSchema = z.strictObject({
  name,
  type: z.enum(PARAMETER_TYPES),
  description: text.nullish(),
  default: scalar.nullish(),
  min: z.number().nullish(),
  max: z.number().nullish(),
});

const commandStep = z.strictObject({
  kind: z.literal('command'),
  name: label.nullish(),
  role: name,
  command: label,
  params: z.record(z.string(), z.unknown()).optional(),
  timeoutSeconds: timeout.optional(),
  onFailure: z.enum(ON_FAILURE).optional(),
  /** onFailure retry: further attempts before the experiment aborts */
  retries: z.number().int().min(1).max(PROTOCOL_LIMITS.retries).optional(),
});
const waitStep = z.strictObject({ kind: z.literal('wait'), name: label.nullish(), durationSeconds: duration });
const recordStep = z.strictObject({
  kind: z.literal('record'),
  name: label.nullish(),
  durationSeconds: duration,
});
const waitForStep = z.strictObject({
  kind: z.literal('waitFor'),
  name: label.nullish(),
  role: name,
  metric: label,
  comparison: z.enum(COMPARISONS),
  value: z.number(),
  timeoutSeconds: timeout,
  onTimeout: z.enum(['abort', 'continue']).optional(),
});
const markStep = z.strictObject({ kind: z.literal('mark'), name: label.nullish(), label, note: text.nullish() });

const stepSchema = z.discriminatedUnion('kind', [commandStep, waitStep, recordStep, waitForStep, markStep]);

const definitionSchema = z.strictObject({
  requireQualified: z.boolean().optional(),
  roles: z.array(roleSchema).min(1, 'a protocol needs at least one role').max(PROTOCOL_LIMITS.roles),
  parameters: z.array(parameterSchema).max(PROTOCOL_LIMITS.parameters).optional(),
  steps: z.array(stepSchema).min(1, 'a protocol needs at least one step').max(PROTOCOL_LIMITS.steps),
  abortCommand: z
    .strictObject({ role: name, command: label, params: z.record(z.string(), z.unknown()).optional() })
    .nullish(),
});

export type ProtocolRole = z.infer<typeof roleSchema>;
export type ProtocolParameter = z.infer<typeof parameterSchema>;
export type CommandStep = z.infer<typeof commandStep> & {
  timeoutSeconds: number;
  onFailure: 'abort' | 'continue' | 'retry';
};
export type WaitStep = z.infer<typeof waitStep>;
export type RecordStep = z.infer<typeof recordStep>;
export type WaitForStep = z.infer<typeof waitForStep> & { onTimeout: 'abort' | 'continue' };
export type MarkStep = z.infer<typeof markStep>;
export type ProtocolStep = CommandStep | WaitStep | RecordStep | WaitForStep | MarkStep;

/** Everything that decides how an experiment runs: what a version freezes. */
export interface ProtocolDefinition {
  /** false: experiments may run on instruments that are not qualified (calibration overdue, …) */
  requireQualified: boolean;
  roles: ProtocolRole[];
  parameters: ProtocolParameter[];
  steps: ProtocolStep[];
  /** sent when an experiment is aborted while running */
  abortCommand: { role: string; command: string; params: Record<string, unknown> } | null;
}

export type ProtocolDefinitionInput = z.input<typeof definitionSchema>;

export const DEFAULT_COMMAND_STEP_TIMEOUT_SECONDS = 60;
export const DEFAULT_RETRIES = 2;

const PLACEHOLDER = /\$\{([^}]*)\}/g;

/** `${name}` placeholders of a value (strings anywhere inside it). */
function placeholders(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') for (const m of value.matchAll(PLACEHOLDER)) out.push(m[1]);
  else if (Array.isArray(value)) value.forEach((v) => placeholders(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => placeholders(v, out));
  return out;
}

function zodErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    field: issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join(''),
    message: issue.message,
  }));
}

function stepDuration(step: ProtocolStep): number {
  switch (step.kind) {
    case 'wait':
    case 'record':
      return step.durationSeconds;
    case 'waitFor':
      return step.timeoutSeconds;
    case 'command':
      return step.timeoutSeconds * (step.onFailure === 'retry' ? 1 + (step.retries ?? DEFAULT_RETRIES) : 1);
    case 'mark':
      return 0;
  }
}

/**
 * Validates a protocol definition and fills in its defaults. Every problem is a field error
 * (`steps[3].role`): unknown roles and parameters, duplicate names, defaults out of their bounds,
 * durations out of bounds.
 */
export function normaliseProtocolDefinition(input: unknown, prefix = ''): ProtocolDefinition {
  const parsed = definitionSchema.safeParse(input);
  const fail = (errors: FieldError[]) => {
    throw new ValidationError(
      `The protocol is not valid: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
      errors.map((e) => ({ ...e, field: prefix + e.field })),
    );
  };
  if (!parsed.success) return fail(zodErrors(parsed.error));
  const d = parsed.data;
  const errors: FieldError[] = [];
  const roles = new Set<string>();
  d.roles.forEach((r, i) => {
    if (roles.has(r.name)) errors.push({ field: `roles[${i}].name`, message: `role "${r.name}" is defined twice` });
    roles.add(r.name);
  });
  const params = new Map<string, ProtocolParameter>();
  (d.parameters ?? []).forEach((p, i) => {
    const at = `parameters[${i}]`;
    if (params.has(p.name)) errors.push({ field: `${at}.name`, message: `parameter "${p.name}" is defined twice` });
    params.set(p.name, p);
    if ((p.min != null || p.max != null) && p.type !== 'number' && p.type !== 'integer') {
      errors.push({ field: `${at}.min`, message: 'bounds apply to number and integer parameters only' });
    }
    if (p.min != null && p.max != null && p.min > p.max) {
      errors.push({ field: `${at}.max`, message: 'must not be below min' });
    }
    if (p.default != null) {
      const problem = parameterProblem(p, p.default);
      if (problem) errors.push({ field: `${at}.default`, message: problem });
    }
  });
  const checkRole = (role: string, field: string) => {
    if (!roles.has(role)) errors.push({ field, message: `unknown role "${role}"` });
  };
  const checkPlaceholders = (value: unknown, field: string) => {
    for (const p of placeholders(value)) {
      if (!params.has(p)) errors.push({ field, message: `\${${p}} names no parameter of the protocol` });
    }
  };
  const steps: ProtocolStep[] = d.steps.map((s, i) => {
    const at = `steps[${i}]`;
    if (s.kind === 'command') {
      checkRole(s.role, `${at}.role`);
      checkPlaceholders(s.params ?? {}, `${at}.params`);
      if (s.retries !== undefined && s.onFailure !== 'retry') {
        errors.push({ field: `${at}.retries`, message: 'applies only with onFailure "retry"' });
      }
      return {
        ...s,
        params: s.params ?? {},
        timeoutSeconds: s.timeoutSeconds ?? DEFAULT_COMMAND_STEP_TIMEOUT_SECONDS,
        onFailure: s.onFailure ?? 'abort',
        ...(s.onFailure === 'retry' && { retries: s.retries ?? DEFAULT_RETRIES }),
      };
    }
    if (s.kind === 'waitFor') {
      checkRole(s.role, `${at}.role`);
      return { ...s, onTimeout: s.onTimeout ?? 'abort' };
    }
    return s;
  });
  if (d.abortCommand) {
    checkRole(d.abortCommand.role, 'abortCommand.role');
    checkPlaceholders(d.abortCommand.params ?? {}, 'abortCommand.params');
  }
  const total = steps.reduce((sum, s) => sum + stepDuration(s), 0);
  if (total > PROTOCOL_LIMITS.maxTotalSeconds) {
    errors.push({
      field: 'steps',
      message: `waits, records and timeouts add up to ${total} s; at most ${PROTOCOL_LIMITS.maxTotalSeconds} s`,
    });
  }
  if (errors.length) fail(errors);
  return {
    requireQualified: d.requireQualified ?? true,
    roles: d.roles.map((r) => ({ ...r, capabilities: r.capabilities ?? [] })),
    parameters: d.parameters ?? [],
    steps,
    abortCommand: d.abortCommand ? { ...d.abortCommand, params: d.abortCommand.params ?? {} } : null,
  };
}

/** Why a value does not fit a parameter, or null. */
export function parameterProblem(p: ProtocolParameter, value: unknown): string | null {
  switch (p.type) {
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'string':
      return typeof value === 'string' ? null : 'must be a string';
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if (p.type === 'integer' && !Number.isInteger(value)) return 'must be a whole number';
      if (p.min != null && value < p.min) return `must be at least ${p.min}`;
      if (p.max != null && value > p.max) return `must be at most ${p.max}`;
      return null;
  }
}

/**
 * The parameter values an experiment runs with: the given ones over the defaults. Unknown names,
 * values of the wrong type or out of bounds, and parameters with neither a value nor a default are
 * field errors (`parameters.temperature`).
 */
export function resolveParameters(
  definition: ProtocolDefinition,
  given: Record<string, unknown>,
): Record<string, string | number | boolean> {
  const errors: FieldError[] = [];
  const known = new Map(definition.parameters.map((p) => [p.name, p]));
  for (const key of Object.keys(given)) {
    if (!known.has(key)) errors.push({ field: `parameters.${key}`, message: 'is not a parameter of the protocol' });
  }
  const values: Record<string, string | number | boolean> = {};
  for (const p of definition.parameters) {
    const value = given[p.name] ?? p.default;
    if (value == null) {
      errors.push({ field: `parameters.${p.name}`, message: 'is required (the protocol gives no default)' });
      continue;
    }
    const problem = parameterProblem(p, value);
    if (problem) errors.push({ field: `parameters.${p.name}`, message: problem });
    else values[p.name] = value as string | number | boolean;
  }
  if (errors.length) throw new ValidationError('The parameter values do not fit the protocol', errors);
  return values;
}

/**
 * `${name}` replaced by the parameter's value: a string that is exactly one placeholder becomes the
 * value itself (a number stays a number), otherwise the value is written into the text.
 */
export function substitute(value: unknown, parameters: Record<string, string | number | boolean>): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{([^}]*)\}$/.exec(value);
    if (whole && whole[1] in parameters) return parameters[whole[1]];
    return value.replace(PLACEHOLDER, (m, p: string) => (p in parameters ? String(parameters[p]) : m));
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, parameters));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, parameters)]));
  }
  return value;
}
