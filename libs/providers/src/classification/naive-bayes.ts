import { ClassificationMode } from './classifier';

/** Laplace (add-one) smoothing of word counts. */
export const LAPLACE_ALPHA = 1;

/** A tokenized training text and the indexes of its labels (one in single mode). */
export interface TrainingDoc {
  tokens: string[];
  labels: number[];
}

/**
 * Multinomial naive Bayes with Laplace smoothing over K labels.
 *
 * single mode: one model over the K labels. A label's log-score is
 *   log P(c) + Σ_w tf(w) · log P(w | c),  P(c) = (docs_c + 1) / (N + K),
 *   P(w | c) = (count(w, c) + α) / (tokens_c + α·|V|),
 * words outside the training vocabulary V being ignored.
 * multi mode: one binary model per label (texts with the label against texts without it); a label's
 * log-odds is the difference of the two log-scores, with P(pos) = (N_pos + 1) / (N + 2).
 *
 * Per word, the K per-label terms are precomputed, so scoring a text costs one map lookup per token.
 * Training is deterministic (counts only), whatever the order of the documents.
 */
export class NaiveBayesModel {
  private constructor(
    readonly mode: ClassificationMode,
    readonly labelCount: number,
    /** single: log P(c); multi: the prior log-odds of each label */
    readonly priors: Float64Array,
    /** single: log P(w | c) per label; multi: the log-likelihood ratio per label */
    private readonly terms: Map<string, Float64Array>,
    readonly documents: number,
  ) {}

  get vocabularySize(): number {
    return this.terms.size;
  }

  static train(
    mode: ClassificationMode,
    labelCount: number,
    docs: TrainingDoc[],
    alpha = LAPLACE_ALPHA,
  ): NaiveBayesModel {
    const K = labelCount;
    const counts = new Map<string, Float64Array>();
    const tokensPerLabel = new Float64Array(K);
    const docsPerLabel = new Float64Array(K);
    // multi mode: every word's count over all documents, and all tokens (the negatives are the rest)
    const allCounts = new Map<string, number>();
    let allTokens = 0;
    for (const doc of docs) {
      for (const label of doc.labels) docsPerLabel[label]++;
      for (const token of doc.tokens) {
        let row = counts.get(token);
        if (!row) counts.set(token, (row = new Float64Array(K)));
        for (const label of doc.labels) {
          row[label]++;
          tokensPerLabel[label]++;
        }
        allCounts.set(token, (allCounts.get(token) ?? 0) + 1);
        allTokens++;
      }
    }
    const V = counts.size;
    const N = docs.length;
    const priors = new Float64Array(K);
    const terms = new Map<string, Float64Array>();
    if (mode === 'single') {
      for (let c = 0; c < K; c++) priors[c] = Math.log((docsPerLabel[c] + 1) / (N + K));
      const denominators = tokensPerLabel.map((t) => Math.log(t + alpha * V));
      for (const [token, row] of counts) {
        const term = new Float64Array(K);
        for (let c = 0; c < K; c++) term[c] = Math.log(row[c] + alpha) - denominators[c];
        terms.set(token, term);
      }
    } else {
      // a document is a negative of label c when it does not carry c
      const tokensNotPerLabel = tokensPerLabel.map((t) => allTokens - t);
      for (let c = 0; c < K; c++) priors[c] = Math.log((docsPerLabel[c] + 1) / (N - docsPerLabel[c] + 1));
      for (const [token, row] of counts) {
        const total = allCounts.get(token)!;
        const term = new Float64Array(K);
        for (let c = 0; c < K; c++) {
          const positive = Math.log(row[c] + alpha) - Math.log(tokensPerLabel[c] + alpha * V);
          const negative = Math.log(total - row[c] + alpha) - Math.log(tokensNotPerLabel[c] + alpha * V);
          term[c] = positive - negative;
        }
        terms.set(token, term);
      }
    }
    return new NaiveBayesModel(mode, K, priors, terms, N);
  }

  /** Adds the model's per-label log-scores (single) or log-odds (multi) of the tokens to `scores`. */
  score(tokens: string[], scores: Float64Array): void {
    for (let c = 0; c < this.labelCount; c++) scores[c] += this.priors[c];
    for (const token of tokens) {
      const term = this.terms.get(token);
      if (term) for (let c = 0; c < this.labelCount; c++) scores[c] += term[c];
    }
  }

  /**
   * The tokens that weighed most for `label`: single mode, by how much more likely they made it than
   * the other labels on average; multi mode, by their log-likelihood ratio. Ties go to the token
   * that sorts first, so explanations are deterministic.
   */
  topTokens(tokens: string[], label: number, limit: number): Array<{ token: string; weight: number }> {
    const weights = new Map<string, number>();
    for (const token of tokens) {
      const term = this.terms.get(token);
      if (!term) continue;
      let weight = term[label];
      if (this.mode === 'single') {
        if (this.labelCount < 2) continue;
        let others = 0;
        for (let c = 0; c < this.labelCount; c++) if (c !== label) others += term[c];
        weight -= others / (this.labelCount - 1);
      }
      weights.set(token, (weights.get(token) ?? 0) + weight);
    }
    return [...weights]
      .filter(([, weight]) => weight > 0)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([token, weight]) => ({ token, weight }));
  }
}
