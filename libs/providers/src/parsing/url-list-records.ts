import { Readable } from 'node:stream';
import { UrlFetcher, UrlFetchError } from '../fetching/url-fetcher';
import { ParsedUnit } from './parsed-unit';
import { decodeUtf8Lines, numberedLines } from './text-decoding';

export interface UrlListOptions {
  fetcher: UrlFetcher;
  /** URLs fetched at once */
  concurrency: number;
  /** positions whose record is already stored: not fetched again */
  stored: ReadonlySet<number>;
  signal?: AbortSignal;
}

type Pending = { position: number; url: string; result: Promise<ParsedUnit> };

/**
 * A URL list (one URL per line) as records: each URL fetched (UrlFetcher: limits and the SSRF
 * guard) becomes one record positioned by its line, its text the document and its metadata where it
 * came from. A URL that fails is a problem of its own. A few are fetched at once; records come out
 * in list order.
 */
export async function* readUrlListRecords(input: Readable, options: UrlListOptions): AsyncGenerator<ParsedUnit> {
  const fetchOne = async (position: number, url: string): Promise<ParsedUnit> => {
    try {
      const doc = await options.fetcher.fetchText(url, options.signal);
      if (!doc.text.trim()) return { kind: 'problem', position, field: 'url', message: `${url}: empty document` };
      return {
        kind: 'record',
        position,
        text: doc.text,
        metadata: { url, finalUrl: doc.finalUrl, status: doc.status, contentType: doc.contentType, bytes: doc.bytes },
      };
    } catch (err) {
      const reason = err instanceof UrlFetchError ? `${err.reason}: ${err.message}` : (err as Error).message;
      return { kind: 'problem', position, field: 'url', message: `${url}: ${reason}` };
    }
  };
  const window: Pending[] = [];
  for await (const [line, content] of numberedLines(decodeUtf8Lines(input))) {
    const url = content.trim();
    if (!url) continue;
    if (options.stored.has(line)) {
      // keep list order: what is in flight comes first
      while (window.length) yield await (window.shift() as Pending).result;
      yield { kind: 'resumed', position: line };
      continue;
    }
    window.push({ position: line, url, result: fetchOne(line, url) });
    if (window.length >= options.concurrency) yield await (window.shift() as Pending).result;
  }
  while (window.length) yield await (window.shift() as Pending).result;
}
