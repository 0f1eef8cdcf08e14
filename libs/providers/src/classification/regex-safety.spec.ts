import { MAX_REGEX_LENGTH, REGEX_MAX_INPUT, regexProblem } from './regex-safety';

describe('regexProblem', () => {
  it.each([
    '\\bph\\s*\\d+(\\.\\d+)?\\b',
    'error|fail(ed|ure)',
    '^\\d{3}-\\d{4}$',
    '(foo|bar)+baz',
    '[a-z]+@[a-z]+\\.org',
    '\\p{Lu}{2,5}',
    '(?<year>\\d{4})-\\d{2}',
    'centrifug(e|ation)',
    '(?=.*urgent)',
    '\\s*\\d+\\s*x',
    'a.*b',
    'a.*b|c.*d',
    '(?=.*a).*b',
    '\\d+(\\.\\d+)?\\s*(mg|ml)',
  ])('accepts %s', (pattern) => {
    expect(regexProblem(pattern)).toBeUndefined();
  });

  it.each([
    ['(a+)+$', /nests repetitions/],
    ['(\\w*\\s?)*$', /nests repetitions/],
    ['(.*)*x', /nests repetitions/],
    ['((ab)*c)+', /nests repetitions/],
    ['(\\d{2}-)*', /nests repetitions/],
    ['(a|a)*$', /same character "a"/],
    ['(a|ab)+$', /same character "a"/],
    ['(A|a)+', /same character "a"/],
    ['(\\w|\\d)+$', /literal character/],
    ['(x|)+', /literal character/],
    ['(a)\\1', /backreference/],
    ['a{1,1000}', /at most \{,100\}/],
    ['a*b*c*d*e*', /5 unbounded quantifiers/],
    ['.*a.*b', /match the same characters/],
    ['\\d+\\s*\\d+x', /match the same characters/],
    ['\\w+\\s*\\w+x', /match the same characters/],
    ['\\s*\\d*\\s*x', /match the same characters/],
    ['a(x|.*)b.*c', /match the same characters/],
    ['(\\s*\\d)?\\s*x\\d+\\d*', /match the same characters/],
    ['(unclosed', /not a valid regular expression/],
    ['', /empty/],
    ['a'.repeat(MAX_REGEX_LENGTH + 1), /longer than 200/],
  ])('refuses %s', (pattern, why) => {
    expect(regexProblem(pattern)).toMatch(why);
  });

  it('tells case-sensitive alternatives apart', () => {
    expect(regexProblem('(A|a)+', true)).toBeUndefined();
  });

  it('accepted patterns stay fast on adversarial input', () => {
    const accepted = [
      '\\s*\\d+\\s*x',
      '(foo|bar)+baz',
      '[a-z]+@[a-z]+\\.org',
      '.*x',
      '\\d+x\\d+y',
      '(?=.*a).*b',
      '\\d+(\\.\\d+)?\\s*(mg|ml)',
    ];
    for (const pattern of accepted) {
      expect(regexProblem(pattern)).toBeUndefined();
      for (const c of ['a', '1', ' ', '1x']) {
        const input = c.repeat(REGEX_MAX_INPUT / c.length) + '!';
        const started = performance.now();
        new RegExp(pattern, 'iu').test(input);
        // Not a performance measurement (those are benches): a sanity bound that only backtracking blow-up
        // reaches (catastrophic patterns take minutes here), loose enough for a loaded 2-core CI run.
        expect(performance.now() - started).toBeLessThan(5_000);
      }
    }
  });
});
