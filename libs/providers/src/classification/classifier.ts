/** How many labels a record gets: exactly one (`single`) or any number of them (`multi`). */
export const CLASSIFICATION_MODES = ['single', 'multi'] as const;
export type ClassificationMode = (typeof CLASSIFICATION_MODES)[number];

export const RULE_TYPES = ['keyword', 'regex'] as const;
export type RuleType = (typeof RULE_TYPES)[number];

/**
 * A rule votes for its label when it matches a record. `weight` is added to the label's log-score
 * (log-odds): +1 multiplies the label's odds by e ≈ 2.7, a negative weight votes against it.
 * keyword: a word or phrase matched on whole tokens (case- and accent-form-insensitive, see tokenize);
 * regex: an ECMAScript pattern (unicode mode), case-insensitive unless `caseSensitive`.
 */
export interface LabelRule {
  type: RuleType;
  pattern: string;
  weight: number;
  caseSensitive?: boolean;
}

export interface LabelSpec {
  name: string;
  description?: string | null;
  rules: LabelRule[];
}

/** A text known to carry a label: the scheme's examples and labelled records. */
export interface TrainingExample {
  text: string;
  label: string;
}

/** What a classifier needs to know of a scheme (one version of it). */
export interface ClassifierSpec {
  mode: ClassificationMode;
  labels: LabelSpec[];
  /** multi: a label applies when its probability is above this */
  threshold: number;
  /** the scheme's own examples (a few shown to HTTP models; all of them train the built-in model) */
  examples: TrainingExample[];
}

export interface ClassifyItem {
  /** the caller's id of the item, handed back with its classification */
  id: string;
  text: string;
}

export interface LabelScore {
  label: string;
  /** 0..1 (the built-in provider gives 6 decimals) */
  confidence: number;
}

export interface Classification {
  id: string;
  /** single: exactly one; multi: the labels that apply (possibly none), most confident first */
  labels: LabelScore[];
  /**
   * 0..1. single: the chosen label's; multi: the highest of the assigned labels', or, when none
   * applies, 1 − the highest label probability.
   */
  confidence: number;
  /** why: matched rules and top tokens (built-in), or the model's reason (HTTP) */
  explanation: Record<string, unknown>;
}

/** One way of labelling texts; a scheme chooses its provider. */
export interface Classifier {
  /** items per call that suit the provider (the caller may pass fewer) */
  readonly batchSize: number;
  /** one classification per item, in the items' order */
  classify(items: ClassifyItem[], signal?: AbortSignal): Promise<Classification[]>;
  /** releases what it holds (connections); it is not used afterwards */
  close?(): void;
}
