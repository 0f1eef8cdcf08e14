import { parseIfMatch, versionETag } from './etag';

describe('ETag / If-Match', () => {
  it('formats a version as a strong ETag', () => {
    expect(versionETag(3)).toBe('"3"');
  });

  it('reads the version an If-Match asks for', () => {
    expect(parseIfMatch('"3"')).toBe(3);
    expect(parseIfMatch('3')).toBe(3);
    expect(parseIfMatch(' "12" ')).toBe(12);
    expect(parseIfMatch(['"4"'])).toBe(4);
  });

  it('treats absent or * as no precondition', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch('')).toBeUndefined();
    expect(parseIfMatch('*')).toBeUndefined();
  });

  it('turns anything else into a version that never matches', () => {
    expect(parseIfMatch('banana')).toBeNaN();
    expect(parseIfMatch('"1", "2"')).toBeNaN();
  });
});
