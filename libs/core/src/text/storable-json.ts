/** Deeper JSON than this is refused before storing (PostgreSQL's jsonb input fails past ~14,000 levels). */
export const MAX_STORED_JSON_DEPTH = 100;

/** Why a value cannot go into PostgreSQL text or jsonb, and where in it. */
export interface UnstorableJson {
  /** `''` for the value itself, else e.g. `values.ph`, `[2].tags.probe` */
  path: string;
  problem: string;
}

interface Step {
  parent: Step | undefined;
  /** `[2]` or `.key` */
  segment: string;
  depth: number;
}

function pathOf(step: Step | undefined): string {
  const segments: string[] = [];
  for (let s = step; s; s = s.parent) segments.push(s.segment);
  const path = segments.reverse().join('');
  return path.startsWith('.') ? path.slice(1) : path;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const visible = (key: string) =>
  key.replaceAll('\u0000', '\\u0000').replace(LONE_SURROGATE, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
const NUL = 'holds a NUL character (\\u0000), which cannot be stored';
const SURROGATE = 'holds a lone UTF-16 surrogate (\\ud800-\\udfff without its pair), which is not valid Unicode';

/** Why a string cannot be stored, if it cannot. */
function stringProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return NUL;
  LONE_SURROGATE.lastIndex = 0;
  if (LONE_SURROGATE.test(text)) return SURROGATE;
  return undefined;
}

/**
 * The first part of a (parsed JSON) value that PostgreSQL would refuse, so that it is refused up front
 * rather than failing a write (or a whole batch, again on every retry): a string or object key holding
 * NUL (U+0000), which neither `text` nor `jsonb` can store, a lone UTF-16 surrogate (JSON can spell one,
 * `"\ud800"`, but it is no character: jsonb refuses it and text would store U+FFFD instead), or
 * nesting deeper than `maxDepth`.
 * Undefined when the value can be stored. Walks without recursion: however deep the value, no stack
 * overflow.
 */
export function findUnstorableJson(value: unknown, maxDepth = MAX_STORED_JSON_DEPTH): UnstorableJson | undefined {
  const stack: Array<[unknown, Step | undefined]> = [[value, undefined]];
  while (stack.length) {
    const [item, step] = stack.pop() as [unknown, Step | undefined];
    if (typeof item === 'string') {
      const problem = stringProblem(item);
      if (problem) return { path: pathOf(step), problem };
      continue;
    }
    if (item === null || typeof item !== 'object') continue;
    const depth = (step?.depth ?? 0) + 1;
    if (depth > maxDepth) return { path: pathOf(step), problem: `nests deeper than ${maxDepth} levels` };
    if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([item[i], { parent: step, segment: `[${i}]`, depth }]);
      continue;
    }
    const entries = Object.entries(item as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i];
      const next = { parent: step, segment: `.${visible(key)}`, depth };
      const problem = stringProblem(key);
      if (problem) return { path: pathOf(next), problem };
      stack.push([child, next]);
    }
  }
  return undefined;
}
