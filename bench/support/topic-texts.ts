/** A small deterministic PRNG (mulberry32), so generated texts are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const TOPICS: Record<string, string[]> = {
  chemistry: [
    'titration',
    'reagent',
    'solvent',
    'molar',
    'buffer',
    'acid',
    'precipitate',
    'catalyst',
    'oxidation',
    'dilution',
  ],
  biology: [
    'cell',
    'culture',
    'bacteria',
    'protein',
    'enzyme',
    'tissue',
    'sequencing',
    'incubation',
    'strain',
    'antibody',
  ],
  maintenance: ['pump', 'motor', 'calibration', 'filter', 'leak', 'seal', 'firmware', 'sensor', 'vibration', 'bearing'],
};
const COMMON = ['the', 'sample', 'was', 'checked', 'today', 'lab', 'team', 'result', 'noted', 'after', 'run', 'batch'];

/**
 * `perTopic` one-line texts per topic (half topic words), interleaved, with the topic each is about.
 * Shared by the classification tests and bench/classify; `words` sets how long texts are.
 */
export function topicTexts(
  perTopic: number,
  seed: number,
  words: { min: number; spread: number } = { min: 8, spread: 6 },
): Array<{ text: string; label: string }> {
  const random = prng(seed);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
  const labels = Object.keys(TOPICS);
  const out: Array<{ text: string; label: string }> = [];
  for (let i = 0; i < perTopic; i++) {
    for (const label of labels) {
      const text: string[] = [];
      const length = words.min + Math.floor(random() * words.spread);
      for (let w = 0; w < length; w++) {
        const roll = random();
        if (roll < 0.5) text.push(pick(TOPICS[label]));
        else if (roll < 0.9) text.push(pick(COMMON));
        else text.push(pick(TOPICS[pick(labels.filter((l) => l !== label))]));
      }
      out.push({ text: `${text.join(' ')} ${i}`, label });
    }
  }
  return out;
}
