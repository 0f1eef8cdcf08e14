import { detectCsvDelimiter, sniffContent } from './content-sniffer';

const sniff = (s: string | Buffer, complete = true) => sniffContent(Buffer.isBuffer(s) ? s : Buffer.from(s), complete);

describe('content sniffing', () => {
  it('recognises PDF, JSON, text and binary data', () => {
    expect(sniff('%PDF-1.7\n…')).toMatchObject({ pdf: true, text: false });
    expect(sniff('  \n[{"a":1}]')).toMatchObject({ text: true, json: '[' });
    expect(sniff('\uFEFF{"a":1}\n{"a":2}')).toMatchObject({ text: true, json: '{' });
    expect(sniff('plain words')).toMatchObject({ text: true, json: null, csvDelimiter: null });
    expect(sniff(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00]))).toMatchObject({ text: false, empty: false });
    expect(sniff(Buffer.from([0xc3, 0x28]))).toMatchObject({ text: false });
    expect(sniff(' \n ')).toMatchObject({ empty: true });
  });

  it('accepts a multi-byte character cut at the end of a prefix, not in a complete file', () => {
    const cut = Buffer.from('grüß', 'utf8').subarray(0, 5);
    expect(sniff(cut, false).text).toBe(true);
    expect(sniff(cut, true).text).toBe(false);
  });

  it('detects the delimiter outside quotes, despite a malformed row', () => {
    expect(detectCsvDelimiter('a;b;c\n1;"x;y";3\n4;5;6\n', true)).toEqual({ delimiter: ';', columns: 3 });
    expect(detectCsvDelimiter('a\tb\n1\t2\n3\t4', true).delimiter).toBe('\t');
    expect(detectCsvDelimiter('a|b|c\n1|2|3\n4|5\n7|8|9\n', true).delimiter).toBe('|');
    expect(detectCsvDelimiter('name,comment\n"x","a; b; c"\n"y","d; e"\n', true).delimiter).toBe(',');
    expect(detectCsvDelimiter('"multi\nline",b\n1,2\n', true).delimiter).toBe(',');
    expect(detectCsvDelimiter('just one column\nanother\n', true).delimiter).toBeNull();
  });
});
