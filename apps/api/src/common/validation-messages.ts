import { ValidationError as ClassValidatorError } from '@nestjs/common';
import { FieldError } from '@labwire/core';

/**
 * What a type constraint of class-validator expects: the JavaScript kind a value must have and how a
 * message names it. A failed constraint whose kind the value does not have is reported as a wrong
 * type (`limit must be an integer (got a string)`), before any constraint on the value itself.
 */
const TYPE_CONSTRAINTS: Record<string, { kind: Kind; noun: string }> = {
  isInt: { kind: 'number', noun: 'an integer' },
  isNumber: { kind: 'number', noun: 'a number' },
  isPositive: { kind: 'number', noun: 'a positive number' },
  min: { kind: 'number', noun: 'a number' },
  max: { kind: 'number', noun: 'a number' },
  isBoolean: { kind: 'boolean', noun: 'a boolean (true or false)' },
  isString: { kind: 'string', noun: 'a string' },
  isUuid: { kind: 'string', noun: 'a UUID string' },
  isEmail: { kind: 'string', noun: 'an email address (a string)' },
  isUrl: { kind: 'string', noun: 'a URL (a string)' },
  isDateString: { kind: 'string', noun: 'an ISO-8601 date-time string' },
  isIso8601: { kind: 'string', noun: 'an ISO-8601 date-time string' },
  matches: { kind: 'string', noun: 'a string' },
  minLength: { kind: 'string', noun: 'a string' },
  maxLength: { kind: 'string', noun: 'a string' },
  isArray: { kind: 'array', noun: 'an array' },
  arrayMinSize: { kind: 'array', noun: 'an array' },
  arrayMaxSize: { kind: 'array', noun: 'an array' },
  isObject: { kind: 'object', noun: 'an object' },
  nestedValidation: { kind: 'object', noun: 'an object' },
};

/** Constraints in the order they are worth reporting: the type first, then the value's shape. */
const PRIORITY = ['isInt', 'isNumber', 'isBoolean', 'isString', 'isArray', 'isObject', 'nestedValidation'];

type Kind = 'number' | 'boolean' | 'string' | 'array' | 'object' | 'null';

function kindOf(value: unknown): Kind | 'other' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  return type === 'number' || type === 'boolean' || type === 'string' || type === 'object' ? type : 'other';
}

/** How a message names the value a client sent, without echoing it (it may be a password). */
function describe(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'a value that is not a number';
    if (!Number.isFinite(value)) return 'a number too large to represent';
    return Number.isInteger(value) ? 'a number' : 'a fractional number';
  }
  switch (kindOf(value)) {
    case 'null':
      return 'null';
    case 'array':
      return 'an array';
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean';
    default:
      return `a ${typeof value}`;
  }
}

/** A value that fails a number constraint although it is a number: NaN, ±Infinity, 1.5 for an integer. */
function wrongNumber(name: string, value: unknown): boolean {
  if (typeof value !== 'number') return false;
  if (!Number.isFinite(value)) return true;
  return name === 'isInt' && !Number.isInteger(value);
}

/**
 * One message for a field that failed: `is required` when it is missing, its expected type with what
 * it got when the type is wrong, else the first failed constraint (class-validator reports all of
 * them: four about a missing name, none of them saying it is missing).
 */
function messageFor(field: string, error: ClassValidatorError): string {
  const constraints = error.constraints ?? {};
  const names = Object.keys(constraints);
  if (names.includes('whitelistValidation')) return `${field} is not a field of this request; remove it`;
  if (error.value === undefined) return `${field} is required`;
  const ordered = [...PRIORITY.filter((n) => names.includes(n)), ...names.filter((n) => !PRIORITY.includes(n))];
  for (const name of ordered) {
    const type = TYPE_CONSTRAINTS[name];
    // `each: true` constraints judge the elements of an array, not the array
    if (!type || constraints[name].startsWith('each value in')) continue;
    if (kindOf(error.value) !== type.kind || wrongNumber(name, error.value)) {
      return `${field} must be ${type.noun} (got ${describe(error.value)})`;
    }
  }
  const message = constraints[ordered[0]];
  // class-validator names the property only; the field path says where a nested one is
  return message.startsWith(`${error.property} `) ? `${field}${message.slice(error.property.length)}` : message;
}

/** class-validator's errors as one `{field, message}` per field that failed (nested fields as `a.b`, `a[0].b`). */
export function fieldErrors(errors: ClassValidatorError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const segment = /^\d+$/.test(e.property) ? `[${e.property}]` : e.property;
    const field = parent ? (segment.startsWith('[') ? `${parent}${segment}` : `${parent}.${segment}`) : segment;
    if (e.constraints && Object.keys(e.constraints).length) out.push({ field, message: messageFor(field, e) });
    if (e.children?.length) out.push(...fieldErrors(e.children, field));
  }
  return out;
}
