import { tokenize } from './tokenizer';

describe('tokenize', () => {
  it('lower-cases, folds compatibility forms and splits on anything but letters, marks and digits', () => {
    expect(tokenize('The pH-Meter (ＭＫ２) read 7.01 — ﬁne; Ärger über Café!')).toEqual([
      'the',
      'ph',
      'meter',
      'mk2',
      'read',
      '01',
      'fine',
      'ärger',
      'über',
      'café',
    ]);
  });

  it('drops one-character and overlong tokens and reads only the beginning of long texts', () => {
    expect(tokenize(`a bb ${'x'.repeat(41)} cc`)).toEqual(['bb', 'cc']);
    expect(tokenize('aa '.repeat(10) + 'zz', 12)).toEqual(['aa', 'aa', 'aa', 'aa']);
  });
});
