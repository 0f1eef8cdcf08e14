import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { MalformedSourceError, ParsedUnit } from './parsed-unit';

type WorkerMessage =
  | { type: 'page'; page: number; text?: string; error?: string }
  | { type: 'done'; pages: number }
  | { type: 'error'; message: string };

/** Where the worker script is: next to this file, in the sources and in dist/ (scripts/build.sh copies it). */
const WORKER_SCRIPT = join(__dirname, 'pdf-text.worker.mjs');

/**
 * A PDF as records, one per page (positioned by page number from 1), its text extracted by pdf.js in
 * a worker thread. A PDF needs random access, so the file is read into memory first (it is at most
 * DATASOURCE_MAX_BYTES). A page without text (a scan) is a problem of its own; an unreadable or
 * encrypted PDF ends the source (MalformedSourceError).
 */
export async function* readPdfRecords(input: Readable, signal?: AbortSignal): AsyncGenerator<ParsedUnit> {
  const chunks: Buffer[] = [];
  for await (const chunk of input as AsyncIterable<Buffer>) chunks.push(chunk);
  // its own ArrayBuffer (never Node's shared buffer pool), handed over to the worker without a copy
  const data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.length;
  }
  chunks.length = 0;
  const worker = new Worker(WORKER_SCRIPT, { workerData: { data }, transferList: [data.buffer] });
  const queue: WorkerMessage[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let exited = false;
  worker.on('message', (m: WorkerMessage) => {
    queue.push(m);
    wake?.();
  });
  worker.once('error', (err) => {
    failure = err;
    wake?.();
  });
  worker.once('exit', () => {
    exited = true;
    wake?.();
  });
  const abort = () => void worker.terminate();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    for (;;) {
      const message = queue.shift();
      if (!message) {
        if (failure) throw new MalformedSourceError(`the PDF could not be read: ${failure.message}`);
        if (exited) throw new MalformedSourceError('the PDF reader stopped before the end');
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      if (message.type === 'done') return;
      if (message.type === 'error') throw new MalformedSourceError(message.message);
      if (message.error) {
        yield { kind: 'problem', position: message.page, field: 'page', message: message.error };
      } else if (!message.text) {
        yield {
          kind: 'problem',
          position: message.page,
          field: 'page',
          message: 'no text on this page (an image or a scan?)',
        };
      } else {
        yield { kind: 'record', position: message.page, text: message.text, metadata: { page: message.page } };
      }
    }
  } finally {
    signal?.removeEventListener('abort', abort);
    if (!exited) await worker.terminate();
  }
}
