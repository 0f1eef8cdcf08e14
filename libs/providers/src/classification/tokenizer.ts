/** Characters of a text the tokenizer reads at most: longer texts are judged by their beginning. */
export const TOKENIZER_MAX_CHARS = 20_000;
const MIN_TOKEN = 2;
const MAX_TOKEN = 40;
const WORD = /[\p{L}\p{M}\p{N}]+/gu;

/**
 * The built-in classifier's tokens, and how keyword rules are matched: the text's first
 * TOKENIZER_MAX_CHARS characters, Unicode-normalised (NFKC: ligatures, full-width forms and
 * compatibility characters folded) and lower-cased, split into maximal runs of letters, combining
 * marks and digits; tokens shorter than 2 or longer than 40 characters are dropped. Deterministic:
 * no locale, no stemming, no stop words.
 */
export function tokenize(text: string, maxChars = TOKENIZER_MAX_CHARS): string[] {
  const head = text.length > maxChars ? text.slice(0, maxChars) : text;
  const folded = head.normalize('NFKC').toLowerCase();
  const tokens: string[] = [];
  for (const match of folded.matchAll(WORD)) {
    const token = match[0];
    if (token.length >= MIN_TOKEN && token.length <= MAX_TOKEN) tokens.push(token);
  }
  return tokens;
}
