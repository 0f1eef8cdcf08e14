import { BuiltinClassifier } from './builtin-classifier';
import { ClassifierSpec, TrainingExample } from './classifier';

/** A small deterministic PRNG (mulberry32), so the generated set is the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VOCABULARY: Record<string, string[]> = {
  chemistry: [
    'titration',
    'reagent',
    'solvent',
    'molar',
    'ph',
    'buffer',
    'acid',
    'base',
    'precipitate',
    'catalyst',
    'oxidation',
    'spectrum',
    'solution',
    'dilution',
  ],
  biology: [
    'cell',
    'culture',
    'bacteria',
    'protein',
    'enzyme',
    'tissue',
    'dna',
    'sequencing',
    'incubation',
    'strain',
    'colony',
    'antibody',
    'plasmid',
    'gene',
  ],
  maintenance: [
    'pump',
    'motor',
    'calibration',
    'filter',
    'leak',
    'seal',
    'replaced',
    'firmware',
    'sensor',
    'fault',
    'vibration',
    'bearing',
    'service',
    'error',
  ],
};
const COMMON = [
  'the',
  'sample',
  'was',
  'checked',
  'today',
  'lab',
  'team',
  'result',
  'noted',
  'after',
  'run',
  'batch',
  'morning',
  'report',
  'with',
  'and',
];
const LABELS = Object.keys(VOCABULARY);

/** `perLabel` texts per label: half topic words, 40 % common words, 10 % other topics' words. */
function generate(perLabel: number, seed: number): TrainingExample[] {
  const random = prng(seed);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
  const out: TrainingExample[] = [];
  for (let i = 0; i < perLabel; i++) {
    for (const label of LABELS) {
      const words: string[] = [];
      const length = 8 + Math.floor(random() * 7);
      for (let w = 0; w < length; w++) {
        const roll = random();
        if (roll < 0.5) words.push(pick(VOCABULARY[label]));
        else if (roll < 0.9) words.push(pick(COMMON));
        else words.push(pick(VOCABULARY[pick(LABELS.filter((l) => l !== label))]));
      }
      out.push({ text: words.join(' '), label });
    }
  }
  return out;
}

const spec = (overrides: Partial<ClassifierSpec> = {}): ClassifierSpec => ({
  mode: 'single',
  threshold: 0.5,
  labels: LABELS.map((name) => ({ name, rules: [] })),
  examples: [],
  ...overrides,
});

describe('BuiltinClassifier', () => {
  // 3 labels × 40 texts: 15 of each label train the model, the other 25 test it
  const all = generate(40, 42);
  const training = all.slice(0, 15 * LABELS.length);
  const test = all.slice(15 * LABELS.length);

  it('labels held-out texts with an accuracy of at least 0.85', async () => {
    const classifier = BuiltinClassifier.train(spec(), training);
    expect(classifier.training.documents).toBe(45);
    const results = await classifier.classify(test.map((t, i) => ({ id: String(i), text: t.text })));
    const correct = results.filter((r, i) => r.labels[0].label === test[i].label).length;
    const accuracy = correct / test.length;
    expect(test).toHaveLength(75);
    expect(accuracy).toBeGreaterThanOrEqual(0.85);
    for (const r of results) {
      expect(r.labels).toHaveLength(1);
      expect(r.confidence).toBeGreaterThanOrEqual(1 / 3);
      expect(r.confidence).toBeLessThanOrEqual(1);
      expect(r.confidence).toBe(r.labels[0].confidence);
    }
  });

  it('is deterministic: the same answers every time, whatever the order of the training texts', async () => {
    const items = test.map((t, i) => ({ id: String(i), text: t.text }));
    const first = await BuiltinClassifier.train(spec(), training).classify(items);
    const again = await BuiltinClassifier.train(spec(), training).classify(items);
    const shuffled = await BuiltinClassifier.train(spec(), [...training].reverse()).classify(items);
    expect(again).toEqual(first);
    expect(shuffled).toEqual(first);
  });

  it('explains a label by its top tokens and the rules that matched', () => {
    const classifier = BuiltinClassifier.train(
      spec({
        labels: [
          { name: 'chemistry', rules: [{ type: 'keyword', pattern: 'pH meter', weight: 3 }] },
          { name: 'biology', rules: [] },
          { name: 'maintenance', rules: [{ type: 'regex', pattern: 'err(or)?\\s*\\d{3}', weight: 4 }] },
        ],
      }),
      training,
    );
    const chem = classifier.classifyText('a', 'Calibrated the pH meter before the titration with buffer');
    expect(chem.labels[0].label).toBe('chemistry');
    expect(chem.explanation.rules).toEqual([{ label: 'chemistry', type: 'keyword', pattern: 'pH meter', weight: 3 }]);
    const tokens = chem.explanation.tokens as Record<string, Record<string, number>>;
    expect(Object.keys(tokens)).toEqual(['chemistry']);
    expect(Object.keys(tokens.chemistry)).toEqual(expect.arrayContaining(['titration', 'buffer']));
    expect(Object.values(tokens.chemistry).every((weight) => weight > 0)).toBe(true);
    expect(Object.keys(chem.explanation.scores as object)).toEqual(LABELS);

    // the regex rule outweighs biology words; a phrase keyword needs its words in order
    const fault = classifier.classifyText('b', 'cell culture incubator shows ERR 404 again');
    expect(fault.labels[0].label).toBe('maintenance');
    expect((fault.explanation.rules as unknown[]).length).toBe(1);
    expect(classifier.classifyText('c', 'meter pH').explanation.rules).toEqual([]);
  });

  it('with rules only (no examples), rules decide and an unmatched text is uniform', () => {
    const classifier = BuiltinClassifier.train(
      spec({
        labels: [
          { name: 'urgent', rules: [{ type: 'keyword', pattern: 'asap', weight: 2 }] },
          { name: 'routine', rules: [{ type: 'keyword', pattern: 'asap', weight: -2 }] },
        ],
      }),
      [],
    );
    const urgent = classifier.classifyText('1', 'Please fix ASAP');
    expect(urgent.labels).toEqual([{ label: 'urgent', confidence: urgent.confidence }]);
    expect(urgent.confidence).toBeCloseTo(1 / (1 + Math.exp(-4)), 6);
    const plain = classifier.classifyText('2', 'nothing special');
    expect(plain.labels[0].label).toBe('urgent');
    expect(plain.confidence).toBeCloseTo(0.5, 6);
  });

  it('multi mode assigns every label above the threshold, or none', () => {
    const examples: TrainingExample[] = generate(15, 7).filter((e) => e.label !== 'maintenance');
    // texts of both topics carry both labels
    const mixed = generate(15, 9).filter((e) => e.label === 'chemistry');
    const biology = generate(15, 11).filter((e) => e.label === 'biology');
    mixed.forEach((m, i) => {
      const text = `${m.text} ${biology[i].text}`;
      examples.push({ text, label: 'chemistry' }, { text, label: 'biology' });
    });
    const classifier = BuiltinClassifier.train(
      spec({
        mode: 'multi',
        labels: [
          { name: 'chemistry', rules: [] },
          { name: 'biology', rules: [] },
          { name: 'maintenance', rules: [{ type: 'keyword', pattern: 'pump', weight: 6 }] },
        ],
      }),
      examples,
    );
    const both = classifier.classifyText('1', 'titration of the buffer solution then cell culture protein sequencing');
    expect(both.labels.map((l) => l.label).sort()).toEqual(['biology', 'chemistry']);
    expect(both.confidence).toBe(Math.max(...both.labels.map((l) => l.confidence)));
    const pump = classifier.classifyText('2', 'the pump was checked');
    expect(pump.labels.map((l) => l.label)).toContain('maintenance');
    // above a stricter threshold nothing applies: the confidence is that none does
    const strict = BuiltinClassifier.train(
      spec({
        mode: 'multi',
        threshold: 0.9999,
        labels: [
          { name: 'chemistry', rules: [] },
          { name: 'biology', rules: [] },
          { name: 'maintenance', rules: [] },
        ],
      }),
      examples,
    );
    const none = strict.classifyText('3', 'the sample was checked');
    expect(none.labels).toEqual([]);
    const scores = Object.values(none.explanation.scores as Record<string, number>);
    expect(none.confidence).toBeCloseTo(1 - Math.max(...scores), 2);
  });
});
