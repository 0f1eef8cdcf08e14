import {
  Classification,
  ClassificationMode,
  Classifier,
  ClassifierSpec,
  ClassifyItem,
  LabelScore,
  TrainingExample,
} from './classifier';
import { NaiveBayesModel, TrainingDoc } from './naive-bayes';
import { RuleMatcher } from './rule-matcher';
import { tokenize } from './tokenizer';

/** Confidences are given to 6 decimals. */
const CONFIDENCE_SCALE = 1e6;
/** Tokens listed in an explanation. */
const EXPLAINED_TOKENS = 5;

/** Rounds a number for explanations (results keep the confidence in full). */
function round(value: number, scale: number): number {
  return Math.round(value * scale) / scale;
}

/**
 * The built-in provider: keyword and regex rules plus a multinomial naive Bayes model trained from
 * the scheme's examples and its labelled records. Rule weights and the model's log-scores add up per
 * label; single mode turns them into probabilities with a softmax and takes the most likely label
 * (ties: the label listed first), multi mode turns each label's log-odds into a probability with the
 * logistic function and assigns those above the scheme's threshold. Runs in process, synchronously,
 * and gives the same answer for the same scheme version, training texts and record every time.
 */
export class BuiltinClassifier implements Classifier {
  readonly batchSize = 1000;
  private readonly labelNames: string[];

  private constructor(
    private readonly mode: ClassificationMode,
    labels: string[],
    private readonly threshold: number,
    private readonly rules: RuleMatcher,
    private readonly model: NaiveBayesModel,
  ) {
    this.labelNames = labels;
  }

  /**
   * Trains on `training` (the scheme's examples and labelled records; texts whose label is not one of
   * the scheme's are ignored). In multi mode one text given with several labels is one document
   * carrying them all.
   */
  static train(spec: ClassifierSpec, training: TrainingExample[]): BuiltinClassifier {
    const names = spec.labels.map((l) => l.name);
    const index = new Map(names.map((name, i) => [name, i]));
    const docs: TrainingDoc[] = [];
    if (spec.mode === 'single') {
      for (const example of training) {
        const label = index.get(example.label);
        if (label !== undefined) docs.push({ tokens: tokenize(example.text), labels: [label] });
      }
    } else {
      const byText = new Map<string, Set<number>>();
      for (const example of training) {
        const label = index.get(example.label);
        if (label === undefined) continue;
        let labels = byText.get(example.text);
        if (!labels) byText.set(example.text, (labels = new Set()));
        labels.add(label);
      }
      for (const [text, labels] of byText)
        docs.push({ tokens: tokenize(text), labels: [...labels].sort((a, b) => a - b) });
    }
    const model = NaiveBayesModel.train(spec.mode, names.length, docs);
    return new BuiltinClassifier(spec.mode, names, spec.threshold, new RuleMatcher(spec.labels), model);
  }

  /** Documents the model was trained on, and its vocabulary. */
  get training(): { documents: number; vocabulary: number } {
    return { documents: this.model.documents, vocabulary: this.model.vocabularySize };
  }

  async classify(items: ClassifyItem[]): Promise<Classification[]> {
    return items.map((item) => this.classifyText(item.id, item.text));
  }

  classifyText(id: string, text: string): Classification {
    const K = this.labelNames.length;
    const tokens = tokenize(text);
    const scores = new Float64Array(K);
    this.model.score(tokens, scores);
    const tokenSet = this.rules.needsTokenSet ? new Set(tokens) : null;
    const matchedRules = this.rules.apply(text, tokens, tokenSet, scores);
    const probabilities = this.mode === 'single' ? softmax(scores) : scores.map(logistic);

    let labels: LabelScore[];
    let confidence: number;
    let explained: number[];
    if (this.mode === 'single') {
      let best = 0;
      for (let c = 1; c < K; c++) if (probabilities[c] > probabilities[best]) best = c;
      confidence = round(probabilities[best], CONFIDENCE_SCALE);
      labels = [{ label: this.labelNames[best], confidence }];
      explained = [best];
    } else {
      const assigned: number[] = [];
      let top = 0;
      for (let c = 0; c < K; c++) {
        if (probabilities[c] > this.threshold) assigned.push(c);
        if (probabilities[c] > probabilities[top]) top = c;
      }
      assigned.sort((a, b) => probabilities[b] - probabilities[a] || a - b);
      labels = assigned.map((c) => ({
        label: this.labelNames[c],
        confidence: round(probabilities[c], CONFIDENCE_SCALE),
      }));
      confidence = round(assigned.length ? probabilities[assigned[0]] : 1 - probabilities[top], CONFIDENCE_SCALE);
      explained = assigned.length ? assigned : [top];
    }

    // Compact (results store one per record): the top tokens per explained label and their weights,
    // the rules that matched, every label's probability.
    const tokensByLabel: Record<string, Record<string, number>> = {};
    for (const c of explained) {
      const top: Record<string, number> = {};
      for (const t of this.model.topTokens(tokens, c, EXPLAINED_TOKENS)) top[t.token] = round(t.weight, 100);
      tokensByLabel[this.labelNames[c]] = top;
    }
    const labelScores: Record<string, number> = {};
    for (let c = 0; c < K; c++) labelScores[this.labelNames[c]] = round(probabilities[c], 1000);
    const explanation: Record<string, unknown> = {
      provider: 'builtin',
      rules: matchedRules,
      tokens: tokensByLabel,
      scores: labelScores,
    };
    return { id, labels, confidence, explanation };
  }
}

function softmax(scores: Float64Array): Float64Array {
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  const out = new Float64Array(scores.length);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += out[i] = Math.exp(scores[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

function logistic(logOdds: number): number {
  return logOdds >= 0 ? 1 / (1 + Math.exp(-logOdds)) : Math.exp(logOdds) / (1 + Math.exp(logOdds));
}
