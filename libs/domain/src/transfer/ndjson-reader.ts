import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** One line of a document: its 1-based number and its text. */
export interface DocumentLine {
  line: number;
  text: string;
}

/** The longest line accepted (a file chunk line is ~350 KiB; records are bounded by ingestion). */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** Counts the compressed bytes read, for progress. */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

/**
 * The lines of a gzip NDJSON document (plain NDJSON is read as well), streamed: one chunk of the
 * file and the line being assembled are in memory at a time. `read()` is how many compressed bytes
 * were read so far.
 */
export function readDocumentLines(source: Readable): { lines: AsyncGenerator<DocumentLine>; read: () => number } {
  const counter = new ByteCounter();
  source.on('error', (err) => counter.destroy(err));
  source.pipe(counter);
  async function* lines(): AsyncGenerator<DocumentLine> {
    const iterator = (counter as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done) return;
    const gzipped = first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b;
    const rest = async function* (): AsyncGenerator<Buffer> {
      yield first.value;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    };
    const input = Readable.from(rest(), { objectMode: false });
    const text: AsyncIterable<Buffer> = gzipped ? input.pipe(createGunzip()) : input;
    let number = 0;
    let carry: Buffer[] = [];
    let carryBytes = 0;
    for await (const chunk of text) {
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, nl);
        const whole = carry.length ? Buffer.concat([...carry, piece]) : piece;
        carry = [];
        carryBytes = 0;
        number++;
        if (whole.length) yield { line: number, text: whole.toString('utf8') };
        start = nl + 1;
      }
      if (start < chunk.length) {
        carry.push(chunk.subarray(start));
        carryBytes += chunk.length - start;
        if (carryBytes > MAX_LINE_BYTES) throw new Error(`line ${number + 1} is longer than ${MAX_LINE_BYTES} bytes`);
      }
    }
    if (carryBytes) {
      number++;
      yield { line: number, text: Buffer.concat(carry).toString('utf8') };
    }
  }
  return { lines: lines(), read: () => counter.bytes };
}
