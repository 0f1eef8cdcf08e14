import { findNulCharacter } from './nul-character';

describe('findNulCharacter', () => {
  it('answers undefined for values without NUL', () => {
    expect(findNulCharacter({ a: 'x', b: [1, 'y', { c: null }], '\\u0000': 'escaped, not NUL' })).toBeUndefined();
    expect(findNulCharacter(undefined)).toBeUndefined();
    expect(findNulCharacter(42)).toBeUndefined();
  });

  it('names the first string or key holding NUL', () => {
    expect(findNulCharacter('a\u0000b')).toBe('');
    expect(findNulCharacter({ values: { ph: 1, 'p\u0000h': 2 } })).toBe('values.p\\u0000h');
    expect(findNulCharacter([{ tags: { probe: 'a' } }, { tags: { probe: ['b', 'c\u0000'] } }])).toBe(
      '[1].tags.probe[1]',
    );
  });

  it('walks deeply nested values without overflowing the stack', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(findNulCharacter(deep)).toMatch(/^(\[0\]){200000}$/);
  });
});
