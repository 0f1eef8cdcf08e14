import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { MalformedSourceError, ParsedUnit } from './parsed-unit';

type WorkerMessage =
  | { type: 'document'; pages: number }
  | { type: 'page'; page: number; text?: string; error?: string }
  | { type: 'done'; pages: number }
  | { type: 'error'; message: string };

/** Where the worker script is: next to this file, in the sources and in dist/ (scripts/build.sh copies it). */
const WORKER_SCRIPT = join(__dirname, 'pdf-text.worker.mjs');

/** Pages the worker extracts ahead of the reader: enough to overlap, few enough to stop at once. */
export const PDF_PAGES_AHEAD = 4;

export interface PdfReadOptions {
  /** stops the extraction (the worker is terminated) */
  signal?: AbortSignal;
  /** a PDF with more pages is refused before any page is read (INGEST_PDF_MAX_PAGES) */
  maxPages?: number;
  /** told the page count once the PDF is open */
  onDocument?: (info: { pages: number }) => void;
}

/**
 * A PDF as records, one per page (positioned by page number from 1), its text extracted by pdf.js in
 * a worker thread. A PDF needs random access, so the file is read into memory first (it is at most
 * DATASOURCE_MAX_BYTES). A page without text (a scan) is a problem of its own; an unreadable or
 * encrypted PDF, or one of more than `maxPages` pages, ends the source (MalformedSourceError). The
 * worker extracts at most PDF_PAGES_AHEAD pages past the last one read: a reader that stops (a
 * cancelled job) stops the extraction within a few pages, and memory holds a few pages, not 50,000.
 */
export async function* readPdfRecords(input: Readable, options: PdfReadOptions = {}): AsyncGenerator<ParsedUnit> {
  const { signal, maxPages, onDocument } = options;
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
  const worker = new Worker(WORKER_SCRIPT, { workerData: { data, maxPages }, transferList: [data.buffer] });
  const more = (pages: number) => worker.postMessage({ type: 'more', pages });
  more(PDF_PAGES_AHEAD);
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
      if (message.type === 'document') {
        onDocument?.({ pages: message.pages });
        continue;
      }
      // this page is taken: the worker may extract one more
      more(1);
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
