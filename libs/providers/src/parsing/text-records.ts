import { Readable } from 'node:stream';
import { ParsedUnit } from './parsed-unit';
import { decodeUtf8Lines, numberedLines } from './text-decoding';

export const TEXT_SPLITS = ['line', 'paragraph'] as const;
export type TextSplit = (typeof TEXT_SPLITS)[number];

/**
 * Plain text as records: each non-blank line (`line`, positioned by line number from 1), or each
 * paragraph, lines up to a blank line (`paragraph`, positioned by its first line, with
 * `metadata.lines` its number of lines).
 */
export async function* readTextRecords(input: Readable, split: TextSplit): AsyncGenerator<ParsedUnit> {
  const lines = numberedLines(decodeUtf8Lines(input));
  if (split === 'line') {
    for await (const [line, content] of lines) {
      if (content.trim()) yield { kind: 'record', position: line, text: content, metadata: {} };
    }
    return;
  }
  let start = 0;
  let paragraph: string[] = [];
  for await (const [line, content] of lines) {
    if (content.trim()) {
      if (!paragraph.length) start = line;
      paragraph.push(content);
    } else if (paragraph.length) {
      yield { kind: 'record', position: start, text: paragraph.join('\n'), metadata: { lines: paragraph.length } };
      paragraph = [];
    }
  }
  if (paragraph.length) {
    yield { kind: 'record', position: start, text: paragraph.join('\n'), metadata: { lines: paragraph.length } };
  }
}
