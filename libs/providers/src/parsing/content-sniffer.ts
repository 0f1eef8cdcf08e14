/** How much of an upload is looked at to tell its type. */
export const SNIFF_BYTES = 64 * 1024;

export const CSV_DELIMITERS = [',', ';', '\t', '|'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** What the first bytes of a file say about it. */
export interface ContentSniff {
  /** starts with the PDF signature `%PDF-` */
  pdf: boolean;
  /** valid UTF-8 without NUL bytes (a UTF-8 BOM allowed) */
  text: boolean;
  /** the first non-blank character when it opens JSON (`[` or `{`) */
  json: '[' | '{' | null;
  /** the delimiter that splits the first lines into the same number of fields, if one does */
  csvDelimiter: CsvDelimiter | null;
  /** how many fields the first line has with that delimiter */
  csvColumns: number;
  empty: boolean;
}

/** Whether the bytes are valid UTF-8; a multi-byte sequence cut off at the end of a prefix is fine. */
function isUtf8(bytes: Buffer, complete: boolean): boolean {
  let end = bytes.length;
  if (!complete) {
    // drop an incomplete trailing sequence (at most 3 bytes)
    for (let back = 1; back <= Math.min(3, bytes.length); back++) {
      const b = bytes[bytes.length - back];
      if ((b & 0xc0) === 0x80) continue; // continuation byte
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      if (need > back) end = bytes.length - back;
      break;
    }
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/**
 * Counts each candidate delimiter per record (outside double quotes) over the first records. The
 * delimiter found (at least once) as often in most records as in the header wins, the most frequent
 * first; a few malformed rows do not hide it. A file of one column has none.
 */
export function detectCsvDelimiter(
  text: string,
  complete: boolean,
): { delimiter: CsvDelimiter | null; columns: number } {
  const counts: Array<Record<CsvDelimiter, number>> = [];
  let current = { ',': 0, ';': 0, '\t': 0, '|': 0 } as Record<CsvDelimiter, number>;
  let quoted = false;
  let blank = true;
  for (let i = 0; i < text.length && counts.length < 50; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) {
      if (!blank) counts.push(current);
      current = { ',': 0, ';': 0, '\t': 0, '|': 0 };
      blank = true;
      continue;
    } else if (!quoted && c in current) current[c as CsvDelimiter]++;
    if (c !== ' ') blank = false;
  }
  if (complete && !blank && !quoted) counts.push(current);
  if (!counts.length) return { delimiter: null, columns: 1 };
  let best: { delimiter: CsvDelimiter; share: number; header: number } | null = null;
  for (const d of CSV_DELIMITERS) {
    const header = counts[0][d];
    if (header === 0) continue;
    const share = counts.filter((c) => c[d] === header).length / counts.length;
    if (share < 0.6) continue;
    if (!best || share > best.share || (share === best.share && header > best.header))
      best = { delimiter: d, share, header };
  }
  return best ? { delimiter: best.delimiter, columns: best.header + 1 } : { delimiter: null, columns: 1 };
}

/** Looks at the first bytes of a file (`complete` when they are the whole file). */
export function sniffContent(prefix: Buffer, complete: boolean): ContentSniff {
  const pdf = prefix.subarray(0, 5).toString('latin1') === '%PDF-';
  const text = !pdf && !prefix.includes(0) && isUtf8(prefix, complete);
  const decoded = text ? prefix.toString('utf8').replace(/^\uFEFF/, '') : '';
  const first = decoded.trimStart()[0];
  const json = first === '[' || first === '{' ? first : null;
  const csv = text && !json ? detectCsvDelimiter(decoded, complete) : { delimiter: null, columns: 1 };
  return {
    pdf,
    text,
    json,
    csvDelimiter: csv.delimiter,
    csvColumns: csv.columns,
    empty: prefix.length === 0 || (text && decoded.trim() === ''),
  };
}
