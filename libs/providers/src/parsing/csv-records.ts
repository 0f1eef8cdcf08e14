import { CsvError, parse } from 'csv-parse';
import { Readable } from 'node:stream';
import { ParsedProblem, ParsedUnit } from './parsed-unit';
import { decodeUtf8Lines } from './text-decoding';

export interface CsvRecordOptions {
  /** `,` `;` `\t` or `|`; detected at upload */
  delimiter: string;
  /** the column holding each record's text (case-insensitive); default: a column named `text`, else every value */
  textColumn?: string;
}

/** The header's column names made usable as metadata keys: trimmed, never empty, never repeated. */
export function columnNames(header: string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((raw, i) => {
    const base = raw.trim() || `column_${i + 1}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}_${n}`;
  });
}

/** The header names no column the options ask for. */
export class CsvColumnMissingError extends Error {
  constructor(column: string, columns: string[]) {
    super(`the CSV has no column "${column}" (its columns: ${columns.join(', ')})`);
    this.name = 'CsvColumnMissingError';
  }
}

/**
 * A CSV file as records, one per row after the header, streamed through csv-parse (quoted fields,
 * quotes doubled inside them, fields over several lines). A row's position is the line it starts on,
 * the header being line 1. Its text is its text column, else its values joined by spaces; its
 * metadata every other column by header name. Problems: malformed rows (a stray quote), a number of
 * fields other than the header's, and rows with no text.
 */
export async function* readCsvRecords(input: Readable, options: CsvRecordOptions): AsyncGenerator<ParsedUnit> {
  const skipped: ParsedProblem[] = [];
  let lastSkippedLine: number | undefined;
  const parser = parse({
    delimiter: options.delimiter,
    info: true,
    raw: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err: CsvError | undefined) => {
      if (!err) return;
      const line = (err as CsvError & { lines?: number }).lines ?? 0;
      // one bad quote can trip the parser twice on a line: one problem
      if (line === lastSkippedLine) return;
      lastSkippedLine = line;
      skipped.push({ kind: 'problem', position: line, message: `malformed CSV: ${err.message}` });
    },
  });
  const feeding = Readable.from(decodeUtf8Lines(input)).pipe(parser);
  input.once('error', (err) => parser.destroy(err));

  let columns: string[] | undefined;
  let textIndex = -1;
  for await (const { record, info, raw } of feeding as AsyncIterable<{
    record: string[];
    info: { lines: number };
    raw: string;
  }>) {
    while (skipped.length) yield skipped.shift() as ParsedProblem;
    // `lines` is where the record ends; the raw text may carry the empty lines before it and its line end
    let newlines = 0;
    const end = raw.endsWith('\n') ? raw.length - 1 : raw.length;
    let start = 0;
    while (start < end && raw[start] === '\n') start++;
    for (let i = raw.indexOf('\n', start); i !== -1 && i < end; i = raw.indexOf('\n', i + 1)) newlines++;
    const position = info.lines - newlines;
    if (!columns) {
      columns = columnNames(record);
      const wanted = options.textColumn?.trim().toLowerCase() ?? 'text';
      textIndex = columns.findIndex((c) => c.toLowerCase() === wanted);
      if (textIndex === -1 && options.textColumn) throw new CsvColumnMissingError(options.textColumn, columns);
      continue;
    }
    if (record.length !== columns.length) {
      yield {
        kind: 'problem',
        position,
        field: 'columns',
        message: `${record.length} fields, the header has ${columns.length}`,
      };
      continue;
    }
    const metadata: Record<string, unknown> = {};
    let text: string;
    if (textIndex >= 0) {
      text = record[textIndex];
      for (let i = 0; i < columns.length; i++) if (i !== textIndex) metadata[columns[i]] = record[i];
    } else {
      for (let i = 0; i < columns.length; i++) metadata[columns[i]] = record[i];
      text = record.filter((v) => v !== '').join(' ');
    }
    if (!text.trim()) {
      yield { kind: 'problem', position, field: textIndex >= 0 ? columns[textIndex] : undefined, message: 'no text' };
      continue;
    }
    yield { kind: 'record', position, text, metadata };
  }
  while (skipped.length) yield skipped.shift() as ParsedProblem;
}
