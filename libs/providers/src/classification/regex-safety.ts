import { AST, RegExpParser } from '@eslint-community/regexpp';

/** Longest regex rule pattern accepted. */
export const MAX_REGEX_LENGTH = 200;
/** Characters of a record a regex rule is run on (its beginning): bounds the quadratic worst case. */
export const REGEX_MAX_INPUT = 4000;
/** Largest bounded repetition, `{n,m}`. */
const MAX_BOUNDED_REPEAT = 100;
/** Unbounded quantifiers (`*`, `+`, `{n,}`) in one pattern. */
const MAX_UNBOUNDED_QUANTIFIERS = 4;
/** Characters tried against single-character atoms to tell whether two of them can match the same one. */
const PROBES = [
  ...Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)),
  ...'\t\n\r\u00a0\u2028é߀Äжω中٣\u0301😀',
];

const parser = new RegExpParser({ ecmaVersion: 2025 });

/**
 * Why a regex rule is refused, or undefined when it is accepted. Rules run in the worker on every
 * record, so a pattern that can backtrack catastrophically would stall classification. Without a
 * linear-time engine, the checks are static and conservative (the safe-regex star-height idea,
 * extended), plus a bounded input (REGEX_MAX_INPUT characters):
 * - at most MAX_REGEX_LENGTH characters, valid in unicode mode;
 * - no nested repetition (`(a+)+`, `(\w*\s?)*`): star height at most one;
 * - no repeated alternation whose branches can start with the same character (`(a|ab)*`,
 *   `(\w|\d)+`): each branch of a repeated group must start with a distinct literal character;
 * - no backreferences; bounded repetitions up to {,100}; at most 4 unbounded quantifiers;
 * - polynomial backtracking (`.*a.*b`, `\d+\s*\d+x` take seconds on a few thousand characters):
 *   with more than one unbounded quantifier, between two of them that can match the same
 *   characters there must be a required character the first one cannot match (`[a-z]+@[a-z]+` and
 *   `\d+(\.\d+)?` are fine, `\w+\s*\w+` is not).
 * With at most one unbounded quantifier left, matching is at worst quadratic in REGEX_MAX_INPUT.
 */
export function regexProblem(pattern: string, caseSensitive = false): string | undefined {
  if (!pattern.length) return 'is empty';
  if (pattern.length > MAX_REGEX_LENGTH) return `is longer than ${MAX_REGEX_LENGTH} characters`;
  let ast: AST.Pattern;
  try {
    ast = parser.parsePattern(pattern, 0, pattern.length, { unicode: true });
    new RegExp(pattern, 'u');
  } catch (err) {
    return `is not a valid regular expression: ${(err as Error).message}`;
  }
  const state = { unbounded: 0, problem: undefined as string | undefined };
  walk(ast, 0, caseSensitive, state);
  if (state.problem) return state.problem;
  if (state.unbounded > MAX_UNBOUNDED_QUANTIFIERS) {
    return `has ${state.unbounded} unbounded quantifiers (*, +, {n,}); at most ${MAX_UNBOUNDED_QUANTIFIERS} are accepted`;
  }
  if (state.unbounded > 1) return polynomialProblem(ast, caseSensitive ? 'u' : 'iu');
  return undefined;
}

class PolynomialClash extends Error {}

/**
 * Walks the pattern as the matcher would (see regexProblem): an unbounded quantifier stays "open"
 * until a required atom it cannot match has passed; a new unbounded quantifier that can match what
 * an open one matches is refused. Optional parts and alternatives leave what any of their paths
 * leaves open; lookarounds are checked on their own (they do not backtrack into the outer match).
 */
function polynomialProblem(ast: AST.Pattern, flags: string): string | undefined {
  try {
    branches(ast.alternatives, [], flags);
    return undefined;
  } catch (err) {
    if (err instanceof PolynomialClash) return err.message;
    throw err;
  }
}

function branches(alternatives: AST.Alternative[], open: AST.Quantifier[], flags: string): AST.Quantifier[] {
  const out = new Set<AST.Quantifier>();
  for (const alternative of alternatives) {
    let state = open;
    for (const element of alternative.elements) state = step(element, state, flags);
    for (const q of state) out.add(q);
  }
  return [...out];
}

function step(element: AST.Node, open: AST.Quantifier[], flags: string): AST.Quantifier[] {
  switch (element.type) {
    case 'Assertion':
      if (element.kind === 'lookahead' || element.kind === 'lookbehind') branches(element.alternatives, [], flags);
      return open;
    case 'Group':
    case 'CapturingGroup':
      return branches(element.alternatives, open, flags);
    case 'Quantifier': {
      if (element.max !== Infinity) {
        const taken = step(element.element, open, flags);
        return element.min > 0 ? taken : [...new Set([...open, ...taken])];
      }
      const clash = open.find((q) => !disjoint(q.element, element.element, flags));
      if (clash) {
        throw new PolynomialClash(
          `lets ${clash.raw} and ${element.raw} match the same characters one after the other, which can take polynomial time; put a required character between them that ${clash.raw} cannot match`,
        );
      }
      // a required run of characters the open ones cannot match closes them
      const still = element.min > 0 ? open.filter((q) => !disjoint(q.element, element.element, flags)) : open;
      return [...still, element];
    }
    case 'Character':
    case 'CharacterSet':
    case 'CharacterClass':
      return open.filter((q) => !disjoint(q.element, element, flags));
    default:
      return open;
  }
}

/** Whether two single-character atoms can never match the same character (false when unsure). */
function disjoint(a: AST.Node, b: AST.Node, flags: string): boolean {
  const matcher = (node: AST.Node): RegExp | undefined =>
    node.type === 'Character' || node.type === 'CharacterSet' || node.type === 'CharacterClass'
      ? new RegExp(`^(?:${node.raw})$`, flags)
      : undefined;
  const first = matcher(a);
  const second = matcher(b);
  if (!first || !second) return false;
  return !PROBES.some((c) => first.test(c) && second.test(c));
}

interface WalkState {
  unbounded: number;
  problem: string | undefined;
}

/** `repeating`: how many repeating quantifiers (max > 1) enclose the node. */
function walk(node: AST.Node, repeating: number, caseSensitive: boolean, state: WalkState): void {
  if (state.problem) return;
  switch (node.type) {
    case 'Pattern':
    case 'Group':
    case 'CapturingGroup':
      if (repeating > 0 && node.alternatives.length > 1) {
        const clash = overlappingBranches(node.alternatives, caseSensitive);
        if (clash) {
          state.problem = `repeats an alternation whose branches ${clash} (e.g. (a|ab)*), which can take exponential time; use a character class or distinct branches`;
          return;
        }
      }
      for (const alternative of node.alternatives) walk(alternative, repeating, caseSensitive, state);
      return;
    case 'Alternative':
      for (const element of node.elements) walk(element, repeating, caseSensitive, state);
      return;
    case 'Assertion':
      if (node.kind === 'lookahead' || node.kind === 'lookbehind') {
        for (const alternative of node.alternatives) walk(alternative, repeating, caseSensitive, state);
      }
      return;
    case 'Quantifier': {
      const repeats = node.max > 1;
      if (node.max === Infinity) state.unbounded++;
      else if (node.max > MAX_BOUNDED_REPEAT) {
        state.problem = `repeats up to ${node.max} times; at most {,${MAX_BOUNDED_REPEAT}} is accepted`;
        return;
      }
      if (repeats && repeating > 0) {
        state.problem = 'nests repetitions (e.g. (a+)+ or (\\d{2}-)*), which can take exponential time';
        return;
      }
      walk(node.element, repeating + (repeats ? 1 : 0), caseSensitive, state);
      return;
    }
    case 'Backreference':
      state.problem = 'uses a backreference, which is not accepted';
      return;
    default:
      return;
  }
}

/** How two branches clash ("can start with the same character"), or undefined when they are distinct. */
function overlappingBranches(alternatives: AST.Alternative[], caseSensitive: boolean): string | undefined {
  const seen = new Set<number>();
  for (const alternative of alternatives) {
    const first = alternative.elements[0];
    if (!first || first.type !== 'Character') return 'do not all start with a literal character';
    let value = first.value;
    if (!caseSensitive) value = String.fromCodePoint(value).toLowerCase().codePointAt(0) ?? value;
    if (seen.has(value)) return `can start with the same character "${String.fromCodePoint(value)}"`;
    seen.add(value);
  }
  return undefined;
}
