import { Readable } from 'node:stream';

/**
 * The text of a UTF-8 byte stream, chunk by chunk: a leading BOM dropped, multi-byte characters kept
 * whole across chunks, and line ends made `\n` (CR LF and lone CR), so line numbers count the same
 * whatever the file's line ends. Invalid bytes become U+FFFD.
 */
export async function* decodeUtf8Lines(input: Readable | AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let carryCr = false;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let text = decoder.decode(chunk, { stream: true });
    if (carryCr) text = '\r' + text;
    carryCr = text.endsWith('\r');
    if (carryCr) text = text.slice(0, -1);
    if (text) yield text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
  }
  const rest = (carryCr ? '\r' : '') + decoder.decode();
  if (rest) yield rest.replace(/\r\n?/g, '\n');
}

/** The lines of a decoded text stream with their numbers (from 1); the last line may lack its `\n`. */
export async function* numberedLines(text: AsyncIterable<string>): AsyncGenerator<[number, string]> {
  let pending = '';
  let line = 0;
  for await (const chunk of text) {
    pending += chunk;
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
      yield [++line, pending.slice(start, nl)];
      start = nl + 1;
    }
    pending = pending.slice(start);
  }
  if (pending) yield [++line, pending];
}
