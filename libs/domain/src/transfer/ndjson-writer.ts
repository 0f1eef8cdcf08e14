import { once } from 'node:events';
import { PassThrough, Readable, Writable } from 'node:stream';
import { createGzip, Gzip } from 'node:zlib';

/** Lines are gathered to about this many bytes before they go to gzip: few, large writes. */
const FLUSH_BYTES = 256 * 1024;
/**
 * What gzip may hold before a write waits: enough that PostgreSQL (producing the lines) and zlib
 * (compressing them on the thread pool) work at the same time instead of in turns, which a 16 KiB
 * buffer forces; still a bounded few MiB however large the document.
 */
const GZIP_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * A gzip NDJSON document written to a consumer (the storage provider's `put`) while it is produced:
 * every write waits while gzip's buffer is full, so memory stays flat however large the document.
 */
export class NdjsonGzipWriter {
  private readonly gzip: Gzip;
  private readonly out: PassThrough;
  private pending: string[] = [];
  private pendingBytes = 0;
  private compressedBytes = 0;
  lines = 0;

  constructor(level = 1) {
    // zlib passes stream options on to its Transform (ZlibOptions does not declare them)
    const streamOptions = { writableHighWaterMark: GZIP_BUFFER_BYTES };
    this.gzip = createGzip({ level, chunkSize: 64 * 1024, ...streamOptions });
    this.out = new PassThrough({
      transform: (chunk: Buffer, _enc, done) => {
        this.compressedBytes += chunk.length;
        done(null, chunk);
      },
    });
    this.gzip.on('error', (err) => this.out.destroy(err));
    this.gzip.pipe(this.out);
  }

  /** What the consumer reads. */
  readable(): Readable {
    return this.out;
  }

  get bytes(): number {
    return this.compressedBytes;
  }

  async line(value: unknown): Promise<void> {
    const text = JSON.stringify(value) + '\n';
    this.lines++;
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
  }

  /** Raw text that already holds whole lines (PostgreSQL's COPY output), counted by its newlines. */
  async raw(chunk: Buffer): Promise<void> {
    await this.flush();
    let n = 0;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
    this.lines += n;
    await this.write(chunk);
  }

  async flush(): Promise<void> {
    if (!this.pending.length) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    await this.write(Buffer.from(text, 'utf8'));
  }

  private async write(chunk: Buffer): Promise<void> {
    if (!this.gzip.write(chunk)) await once(this.gzip, 'drain');
  }

  async end(): Promise<void> {
    await this.flush();
    this.gzip.end();
  }

  /** Stops the document: the consumer sees an error and stores nothing. */
  abort(err: Error): void {
    this.gzip.destroy(err);
    this.out.destroy(err);
  }
}

/** A Writable that discards (to measure or to drain). */
export function sink(): Writable {
  return new Writable({ write: (_chunk, _enc, done) => done() });
}
