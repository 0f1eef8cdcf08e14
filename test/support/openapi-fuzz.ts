/**
 * Bad values for the parameters and body fields of an OpenAPI document, chosen from what each one
 * declares (type, format, enum, bounds), for test/integration/http/openapi-fuzz.test.ts.
 */

export interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  nullable?: boolean;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  oneOf?: Schema[];
  allOf?: Schema[];
  $ref?: string;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

export interface Operation {
  operationId: string;
  parameters?: Array<{ in: string; name: string; required?: boolean; schema: Schema }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses?: Record<string, unknown>;
}

/** A JSON value sent as written (JSON.stringify cannot write 1e309, 20-digit integers or 10,000 levels). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A bad value and whether every api must refuse it (`invalid`) or only must not fail on it (`odd`). */
export interface BadValue {
  label: string;
  value: unknown;
  /** odd values may be acceptable (a 1 MB search text): sent only to operations that write nothing */
  odd?: boolean;
}

export const DEEP_LEVELS = 10_000;
export const LONG = 1_048_576;

/** Resolves $ref and single-element allOf (how @nestjs/swagger writes enums and nested DTOs). */
export function resolve(doc: OpenApiDocument, schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let i = 0; i < 10; i++) {
    if (s.$ref) s = { ...doc.components.schemas[s.$ref.split('/').pop() as string], nullable: s.nullable };
    else if (s.allOf?.length === 1) {
      const { allOf, ...rest } = s;
      s = { ...rest, ...resolve(doc, allOf[0]) };
    } else break;
  }
  return s;
}

const kindOf = (s: Schema): string => {
  if (s.oneOf) return s.oneOf.some((o) => o.type === 'integer') ? 'integer-or-string' : 'any';
  if (s.enum && !s.type) return 'string';
  return s.type ?? 'any';
};

/** Bad values for a JSON body field (or array element) of this schema. */
export function bodyCorpus(s: Schema): BadValue[] {
  const kind = kindOf(s);
  const values: BadValue[] = [
    { label: 'NUL', value: 'a\u0000b' },
    { label: 'lone surrogate', value: 'a\ud800b' },
    { label: `${DEEP_LEVELS} levels`, value: new RawJson('['.repeat(DEEP_LEVELS) + ']'.repeat(DEEP_LEVELS)) },
  ];
  const numeric = kind === 'number' || kind === 'integer' || kind === 'integer-or-string';
  if (kind !== 'number' && kind !== 'integer') values.push({ label: 'number 12345', value: 12345 });
  if (!numeric && kind !== 'any') {
    values.push({ label: 'number 1e309', value: new RawJson('1e309') });
  }
  if (kind !== 'string' && kind !== 'integer-or-string') values.push({ label: 'string', value: 'not-that-type' });
  if (kind !== 'object' && kind !== 'any') values.push({ label: 'object', value: { a: 1 } });
  if (kind !== 'array' && kind !== 'any') values.push({ label: 'array', value: ['x'] });
  if (kind !== 'boolean' && kind !== 'any' && kind !== 'object') values.push({ label: 'boolean', value: true });
  if (numeric) {
    values.push({ label: '1e309', value: new RawJson('1e309') });
    values.push({ label: '-1e309', value: new RawJson('-1e309') });
    values.push({
      label: '99999999999999999999',
      value: new RawJson('99999999999999999999'),
      odd: s.maximum === undefined && kind === 'number',
    });
    values.push({ label: '-1', value: -1, odd: !(s.minimum !== undefined && s.minimum >= 0) });
  }
  if (kind === 'string' && s.enum) values.push({ label: 'not in enum', value: 'no-such-choice' });
  if (kind === 'string' && s.format === 'uuid') values.push({ label: 'not a uuid', value: 'not-a-uuid' });
  if (kind === 'string' && s.format === 'date-time') {
    values.push({ label: 'not a date', value: 'not-a-date' });
    values.push({ label: 'year 99999', value: '+099999-01-01T00:00:00Z' });
  }
  if (kind === 'integer-or-string') values.push({ label: 'not a date', value: 'not-a-date' });
  if (kind === 'string' || kind === 'integer-or-string') {
    values.push({ label: '1 MB string', value: 'x'.repeat(LONG), odd: s.maxLength === undefined });
  }
  if (kind === 'string' || kind === 'any') {
    values.push({ label: 'SQL and format text', value: "'; DROP TABLE users; -- %s %n ${x}", odd: true });
    values.push({ label: 'non-characters and emoji', value: '\uFFFF\uFFFE \u{1F9EA} \u202E', odd: true });
  }
  if (s.format === 'date-time') {
    values.push({ label: 'February 30', value: '2024-02-30T00:00:00Z', odd: true });
    values.push({ label: 'offset +25:00', value: '2024-01-01T00:00:00+25:00', odd: true });
  }
  if (numeric) {
    values.push({ label: '2^53 + 1', value: new RawJson('9007199254740993'), odd: true });
    values.push({ label: '1e-320', value: new RawJson('1e-320'), odd: true });
  }
  if (kind === 'array') {
    values.push({
      label: '10,000 elements',
      value: new RawJson(`[${Array(10_000).fill('"x"').join(',')}]`),
      odd: true,
    });
    values.push({ label: 'array of NUL', value: ['a\u0000b'] });
    values.push({ label: 'array of objects', value: [{ a: 1 }] });
  }
  return values;
}

/** Bad values for a query parameter (the raw text after `=`, percent-encoded, and how often it repeats). */
export interface BadQueryValue {
  label: string;
  /** already percent-encoded */
  encoded: string;
  repeat?: number;
  odd?: boolean;
}

export function queryCorpus(s: Schema): BadQueryValue[] {
  const kind = kindOf(s);
  const values: BadQueryValue[] = [
    { label: 'NUL', encoded: 'a%00b' },
    // percent-encoded UTF-8 of U+D800, which is no character
    { label: 'lone surrogate bytes', encoded: 'a%ED%A0%80b', odd: true },
    { label: 'invalid UTF-8', encoded: 'a%FF%FEb', odd: true },
    { label: 'repeated (an array)', encoded: 'x', repeat: 2, odd: kind === 'array' },
    { label: '1 MB', encoded: 'x'.repeat(LONG), odd: kind === 'string' && s.maxLength === undefined && !s.format },
    { label: 'brackets 10,000 deep', encoded: '%5B'.repeat(DEEP_LEVELS), odd: kind === 'string' || kind === 'array' },
  ];
  if (kind === 'number' || kind === 'integer') {
    values.push({ label: 'abc', encoded: 'abc' });
    values.push({ label: '1e309', encoded: '1e309' });
    values.push({ label: '99999999999999999999', encoded: '99999999999999999999', odd: s.maximum === undefined });
    values.push({ label: '-1', encoded: '-1', odd: !(s.minimum !== undefined && s.minimum >= 0) });
    values.push({ label: '1.5', encoded: '1.5', odd: true });
  }
  if (kind === 'boolean') values.push({ label: 'maybe', encoded: 'maybe' });
  if (s.enum) values.push({ label: 'not in enum', encoded: 'no-such-choice' });
  if (s.format === 'uuid') values.push({ label: 'not a uuid', encoded: 'not-a-uuid' });
  if (s.format === 'date-time') {
    values.push({ label: 'February 30', encoded: '2024-02-30T00%3A00%3A00Z', odd: true });
    values.push({ label: 'offset +25:00', encoded: encodeURIComponent('2024-01-01T00:00:00+25:00'), odd: true });
    values.push({ label: 'not a date', encoded: 'not-a-date' });
    values.push({ label: 'year 99999', encoded: encodeURIComponent('+099999-01-01T00:00:00Z') });
    values.push({ label: 'year 0', encoded: encodeURIComponent('0000-01-01T00:00:00Z'), odd: true });
  }
  if (kind === 'array') {
    values.push({ label: 'element of NUL', encoded: 'a%00b,c' });
    values.push({ label: '1,000 elements', encoded: Array(1000).fill('x').join(','), odd: true });
  }
  values.push({ label: 'SQL and format text', encoded: encodeURIComponent("'; DROP TABLE users; -- %s"), odd: true });
  return values;
}

/** Bad values for a path parameter (percent-encoded). */
export function pathCorpus(s: Schema): BadQueryValue[] {
  const values: BadQueryValue[] = [
    { label: 'NUL', encoded: 'a%00b' },
    { label: 'lone surrogate bytes', encoded: 'a%ED%A0%80b' },
    { label: 'not a uuid', encoded: 'not-a-uuid' },
    { label: '99999999999999999999', encoded: '99999999999999999999' },
    { label: '-1', encoded: '-1' },
    { label: '1e309', encoded: '1e309' },
    { label: 'unknown uuid', encoded: '00000000-0000-4000-8000-000000000000' },
    { label: '10 KB', encoded: 'x'.repeat(10_240) },
  ];
  if (s.enum) values.push({ label: 'not in enum', encoded: 'no-such-choice' });
  // A path parameter that is a name, not an id (an alert key): values its pattern accepts are
  // legitimate names, which a write may create, so they count as odd (not sent to writes).
  if (s.pattern) {
    const pattern = new RegExp(s.pattern);
    const accepts = (encoded: string) => {
      try {
        return pattern.test(decodeURIComponent(encoded));
      } catch {
        return false; // not even UTF-8
      }
    };
    return values.map((v) => (accepts(v.encoded) ? { ...v, odd: true } : v));
  }
  return values;
}

/** JSON text of a body holding RawJson values. */
export function toJsonText(body: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(body, (_key, value: unknown) => {
    if (value instanceof RawJson) {
      raws.push(value.text);
      return `\u0001RAW${raws.length - 1}\u0001`;
    }
    return value;
  });
  return text.replace(/"\\u0001RAW(\d+)\\u0001"/g, (_m, i: string) => raws[Number(i)]);
}
