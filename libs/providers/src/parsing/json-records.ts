import { Readable } from 'node:stream';
import { parser } from 'stream-json';
import { streamArray } from 'stream-json/streamers/StreamArray';
import { streamValues } from 'stream-json/streamers/StreamValues';
import { MalformedSourceError, ParsedProblem, ParsedRecord, ParsedUnit } from './parsed-unit';
import { decodeUtf8Lines, numberedLines } from './text-decoding';

export interface JsonRecordOptions {
  /** the field of an object item that holds its text (default `text`) */
  textField?: string;
}

/** An item kept whole as its JSON text; an item nested too deep to write back as JSON is a problem of its own. */
function wholeItem(position: number, item: unknown, metadata: Record<string, unknown>): ParsedRecord | ParsedProblem {
  let text: string;
  try {
    text = JSON.stringify(item);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return { kind: 'problem', position, message: 'the item nests deeper than can be written back as JSON text' };
  }
  return { kind: 'record', position, text, metadata };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One JSON item as a record: a string is the text; an object's `textField` (a string) is the text and
 * its other fields the metadata; anything else (an object without it, an array, a number) is kept
 * whole, as JSON text, with the object as metadata.
 */
export function jsonItemRecord(position: number, item: unknown, textField: string): ParsedRecord | ParsedProblem {
  if (item === null || item === '') return { kind: 'problem', position, message: 'empty item' };
  if (typeof item === 'string') {
    return item.trim()
      ? { kind: 'record', position, text: item, metadata: {} }
      : { kind: 'problem', position, message: 'empty item' };
  }
  if (isPlainObject(item)) {
    const text = item[textField];
    if (typeof text === 'string') {
      if (!text.trim()) return { kind: 'problem', position, message: `"${textField}" is empty` };
      const metadata = { ...item };
      delete metadata[textField];
      return { kind: 'record', position, text, metadata };
    }
    return wholeItem(position, item, item);
  }
  return wholeItem(position, item, {});
}

/**
 * A JSON document as records, streamed (stream-json: never parsed whole): the elements of a top-level
 * array, positioned by index from 0; otherwise each top-level value (one object, or several values
 * one after another), positioned the same way. JSON that breaks midway ends the source
 * (MalformedSourceError): what follows cannot be read.
 */
export async function* readJsonRecords(input: Readable, options: JsonRecordOptions): AsyncGenerator<ParsedUnit> {
  const textField = options.textField ?? 'text';
  const text = Readable.from(decodeUtf8Lines(input));
  input.once('error', (err) => text.destroy(err));
  // peek at the first non-blank character to choose array elements or top-level values
  const iterator = text[Symbol.asyncIterator]() as AsyncIterator<string>;
  let head = '';
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    head += next.value as string;
    if (head.trim()) break;
  }
  if (!head.trim()) return;
  const rest = async function* () {
    yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value as string;
    }
  };
  const tokens = Readable.from(rest()).pipe(parser({ jsonStreaming: true }));
  const items = tokens.pipe(head.trimStart().startsWith('[') ? streamArray() : streamValues());
  tokens.once('error', (err: Error) => items.destroy(err));
  try {
    for await (const { key, value } of items as AsyncIterable<{ key: number; value: unknown }>) {
      yield jsonItemRecord(key, value, textField);
    }
  } catch (err) {
    throw new MalformedSourceError(`the JSON is malformed: ${(err as Error).message}`);
  }
}

/**
 * NDJSON (JSON Lines) as records: one JSON value per line, positioned by line number (from 1); blank
 * lines are skipped and a line that is not JSON is a problem of its own (the next lines still count).
 */
export async function* readNdjsonRecords(input: Readable, options: JsonRecordOptions): AsyncGenerator<ParsedUnit> {
  const textField = options.textField ?? 'text';
  for await (const [line, content] of numberedLines(decodeUtf8Lines(input))) {
    if (!content.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (err) {
      yield { kind: 'problem', position: line, message: `not JSON: ${(err as Error).message}` };
      continue;
    }
    yield jsonItemRecord(line, value, textField);
  }
}
