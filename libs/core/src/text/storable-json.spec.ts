import { findUnstorableJson, MAX_STORED_JSON_DEPTH } from './storable-json';

const nul = (path: string) => ({ path, problem: expect.stringContaining('NUL') });

describe('findUnstorableJson', () => {
  it('answers undefined for values PostgreSQL can store', () => {
    expect(findUnstorableJson({ a: 'x', b: [1, 'y', { c: null }], '\\u0000': 'escaped, not NUL' })).toBeUndefined();
    expect(findUnstorableJson(undefined)).toBeUndefined();
    expect(findUnstorableJson(42)).toBeUndefined();
  });

  it('names the first string or key holding NUL', () => {
    expect(findUnstorableJson('a\u0000b')).toEqual(nul(''));
    expect(findUnstorableJson({ values: { ph: 1, 'p\u0000h': 2 } })).toEqual(nul('values.p\\u0000h'));
    expect(findUnstorableJson([{ tags: { probe: 'a' } }, { tags: { probe: ['b', 'c\u0000'] } }])).toEqual(
      nul('[1].tags.probe[1]'),
    );
  });

  it('names the first string or key holding a lone UTF-16 surrogate, and takes paired ones', () => {
    const lone = (path: string) => ({ path, problem: expect.stringContaining('lone UTF-16 surrogate') });
    expect(findUnstorableJson({ name: 'ok \u{1F9EA} test tube', tags: ['\uD83E\uDDEA'] })).toBeUndefined();
    expect(findUnstorableJson({ name: 'a\uD800' })).toEqual(lone('name'));
    expect(findUnstorableJson({ name: '\uDC00b' })).toEqual(lone('name'));
    expect(findUnstorableJson(['ok', 'x\uDBFF\uDBFF\uDC00'])).toEqual(lone('[1]'));
    expect(findUnstorableJson({ params: { 'k\uD800': 1 } })).toEqual(lone('params.k\\ud800'));
  });

  it('refuses nesting past the limit, however deep, without overflowing the stack', () => {
    const nest = (levels: number, inner: unknown = 1) => {
      let v = inner;
      for (let i = 0; i < levels; i++) v = [v];
      return v;
    };
    expect(findUnstorableJson(nest(MAX_STORED_JSON_DEPTH))).toBeUndefined();
    expect(findUnstorableJson(nest(MAX_STORED_JSON_DEPTH + 1))).toMatchObject({
      problem: expect.stringMatching(/deeper/),
    });
    expect(findUnstorableJson({ tags: nest(200_000) })).toMatchObject({
      path: expect.stringMatching(/^tags(\[0\])+$/),
    });
    expect(findUnstorableJson(nest(3, 'x\u0000'), 3)).toEqual(nul('[0][0][0]'));
  });
});
