import { LabelSpec, RuleType } from './classifier';
import { REGEX_MAX_INPUT, regexProblem } from './regex-safety';
import { tokenize } from './tokenizer';

/** A rule that matched a record, as explanations show it. */
export interface MatchedRule {
  label: string;
  type: RuleType;
  pattern: string;
  weight: number;
}

interface CompiledRule {
  label: number;
  matched: MatchedRule;
  /** keyword: its tokens (one or more, matched in sequence) */
  tokens?: string[];
  regex?: RegExp;
}

/** The rules of every label, compiled once per scheme version. */
export class RuleMatcher {
  private readonly rules: CompiledRule[] = [];
  private readonly hasPhrases: boolean;
  readonly needsTokenSet: boolean;

  constructor(labels: LabelSpec[]) {
    labels.forEach((label, index) => {
      for (const rule of label.rules) {
        const matched: MatchedRule = { label: label.name, type: rule.type, pattern: rule.pattern, weight: rule.weight };
        if (rule.type === 'keyword') {
          const tokens = tokenize(rule.pattern);
          // refused when the scheme was saved; a version stored before a rule got stricter is skipped
          if (tokens.length) this.rules.push({ label: index, matched, tokens });
        } else if (!regexProblem(rule.pattern, rule.caseSensitive)) {
          this.rules.push({ label: index, matched, regex: new RegExp(rule.pattern, rule.caseSensitive ? 'u' : 'iu') });
        }
      }
    });
    this.hasPhrases = this.rules.some((r) => r.tokens && r.tokens.length > 1);
    this.needsTokenSet = this.rules.some((r) => r.tokens?.length === 1);
  }

  get size(): number {
    return this.rules.length;
  }

  /**
   * Adds each matching rule's weight to its label's score (once per rule, however often it matches)
   * and answers the rules that matched, in scheme order.
   */
  apply(text: string, tokens: string[], tokenSet: Set<string> | null, scores: Float64Array): MatchedRule[] {
    const matched: MatchedRule[] = [];
    if (!this.rules.length) return matched;
    const head = text.length > REGEX_MAX_INPUT ? text.slice(0, REGEX_MAX_INPUT) : text;
    for (const rule of this.rules) {
      let hit = false;
      if (rule.regex) hit = rule.regex.test(head);
      else if (rule.tokens!.length === 1) hit = tokenSet!.has(rule.tokens![0]);
      else if (this.hasPhrases) hit = containsSequence(tokens, rule.tokens!);
      if (hit) {
        scores[rule.label] += rule.matched.weight;
        matched.push(rule.matched);
      }
    }
    return matched;
  }
}

function containsSequence(tokens: string[], phrase: string[]): boolean {
  const last = tokens.length - phrase.length;
  outer: for (let i = 0; i <= last; i++) {
    for (let j = 0; j < phrase.length; j++) if (tokens[i + j] !== phrase[j]) continue outer;
    return true;
  }
  return false;
}
