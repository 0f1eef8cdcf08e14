import { lookup as dnsLookup } from 'node:dns/promises';
import { IncomingMessage, request as httpRequest, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import { BodyTooLargeError, readBoundedBody } from './bounded-body';
import { NetworkPolicy } from './network-policy';

/** Injection token of the UrlFetcher. */
export const URL_FETCHER = Symbol('URL_FETCHER');

export interface UrlFetchLimits {
  /** the whole fetch, redirects included */
  timeoutMs: number;
  /** largest body accepted */
  maxBytes: number;
  /** redirects followed at most */
  maxRedirects: number;
}

/** A fetched text document. */
export interface FetchedDocument {
  /** the URL asked for */
  url: string;
  /** where the body came from, after redirects */
  finalUrl: string;
  status: number;
  /** media type without parameters, lower case */
  contentType: string;
  bytes: number;
  text: string;
}

export type UrlFetchFailure =
  | 'invalid_url'
  | 'blocked'
  | 'dns'
  | 'network'
  | 'timeout'
  | 'too_large'
  | 'http_status'
  | 'content_type'
  | 'too_many_redirects';

/** Why a URL could not be fetched; `reason` is stable, `message` says it for people. */
export class UrlFetchError extends Error {
  constructor(
    readonly reason: UrlFetchFailure,
    message: string,
  ) {
    super(message);
    this.name = 'UrlFetchError';
  }
}

/** Fetches text documents from the web for ingestion. */
export interface UrlFetcher {
  fetchText(url: string, signal?: AbortSignal): Promise<FetchedDocument>;
}

/** Media types whose body is text a record can hold. */
export function isTextMediaType(type: string): boolean {
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type === 'application/xml' ||
    type === 'application/xhtml+xml' ||
    type === 'application/x-ndjson' ||
    type.endsWith('+json') ||
    type.endsWith('+xml')
  );
}

function mediaType(header: string | undefined): { type: string; charset?: string } {
  const [type, ...params] = (header ?? '').split(';').map((p) => p.trim());
  const charset = params
    .find((p) => /^charset=/i.test(p))
    ?.slice(8)
    .replace(/^"|"$/g, '');
  return { type: type.toLowerCase(), charset };
}

function decode(body: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(body);
  } catch {
    // an unknown charset label: read it as UTF-8 (invalid bytes become U+FFFD)
    return new TextDecoder('utf-8').decode(body);
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches http(s) URLs with limits and an SSRF guard: the host name is resolved here and every
 * address is checked against the NetworkPolicy before connecting, and the connection goes to the
 * checked address (no second lookup a rebinding DNS could answer differently). Redirects are followed
 * by hand, each hop checked the same way, up to `maxRedirects`. One deadline covers the whole fetch;
 * bodies are counted as they arrive and cut at `maxBytes`; only text media types are accepted.
 */
export class HttpUrlFetcher implements UrlFetcher {
  constructor(
    private readonly policy: NetworkPolicy,
    private readonly limits: UrlFetchLimits,
    private readonly resolve: (host: string) => Promise<Array<{ address: string; family: number }>> = (host) =>
      dnsLookup(host, { all: true, verbatim: true }),
  ) {}

  async fetchText(url: string, signal?: AbortSignal): Promise<FetchedDocument> {
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new UrlFetchError('timeout', `no complete answer within ${this.limits.timeoutMs} ms`)),
      this.limits.timeoutMs,
    );
    const onAbort = () => deadline.abort(new UrlFetchError('timeout', 'the fetch was stopped'));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      let current = this.parse(url);
      for (let hop = 0; ; hop++) {
        const response = await this.request(current, deadline.signal);
        if (REDIRECTS.has(response.statusCode ?? 0) && response.headers.location) {
          response.destroy();
          if (hop >= this.limits.maxRedirects) {
            throw new UrlFetchError('too_many_redirects', `more than ${this.limits.maxRedirects} redirects`);
          }
          current = this.parse(response.headers.location, current);
          continue;
        }
        return await this.read(url, current, response, deadline.signal);
      }
    } catch (err) {
      if (deadline.signal.aborted && !(err instanceof UrlFetchError && err.reason !== 'network')) {
        throw deadline.signal.reason as UrlFetchError;
      }
      throw err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private parse(value: string, base?: URL): URL {
    let parsed: URL;
    try {
      parsed = new URL(value, base);
    } catch {
      throw new UrlFetchError('invalid_url', `not a URL: ${value}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new UrlFetchError('invalid_url', `only http and https URLs are fetched, not ${parsed.protocol}`);
    }
    if (parsed.username || parsed.password) throw new UrlFetchError('invalid_url', 'URLs with credentials are refused');
    return parsed;
  }

  /** The addresses of the URL's host, each one checked; refused when any is not allowed. */
  private async addresses(target: URL): Promise<Array<{ address: string; family: number }>> {
    const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
    let found: Array<{ address: string; family: number }>;
    if (isIP(host)) {
      found = [{ address: host, family: isIP(host) }];
    } else {
      try {
        found = await this.resolve(host);
      } catch (err) {
        throw new UrlFetchError(
          'dns',
          `${host} could not be resolved (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
    }
    if (!found.length) throw new UrlFetchError('dns', `${host} has no address`);
    for (const { address } of found) {
      const problem = this.policy.check(address, port);
      // Never the resolved address: it would tell the caller what an internal name points to.
      if (problem) {
        throw new UrlFetchError(
          'blocked',
          `${target.host} refused: ${isIP(host) ? 'it is' : 'it resolves to'} ${problem}`,
        );
      }
    }
    return found;
  }

  private async request(target: URL, signal: AbortSignal): Promise<IncomingMessage> {
    const addresses = await this.addresses(target);
    // Connect only to what was checked, whatever DNS would answer now.
    const pinned: LookupFunction = (_hostname, options, callback) => {
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    };
    const options: RequestOptions = {
      method: 'GET',
      lookup: pinned,
      signal,
      agent: false,
      headers: {
        accept: 'text/*, application/json, application/xml;q=0.9, */*;q=0.1',
        'user-agent': 'Labwire-Ingest/1.0',
        'accept-encoding': 'identity',
      },
    };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(target, options, resolve);
      req.once('error', (err: NodeJS.ErrnoException) => {
        if (signal.aborted) reject(signal.reason);
        else reject(new UrlFetchError('network', `${target.host}: ${err.code ?? err.message}`));
      });
      req.end();
    });
  }

  private async read(url: string, target: URL, response: IncomingMessage, signal: AbortSignal) {
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      response.destroy();
      throw new UrlFetchError('http_status', `answered HTTP ${status}`);
    }
    const { type, charset } = mediaType(response.headers['content-type']);
    if (!isTextMediaType(type)) {
      response.destroy();
      throw new UrlFetchError('content_type', `content type "${type || 'none'}" is not text`);
    }
    let body: Buffer;
    try {
      body = await readBoundedBody(response, this.limits.maxBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        throw new UrlFetchError('too_large', err.message);
      }
      if (signal.aborted) throw signal.reason;
      throw new UrlFetchError('network', `${target.host}: the body was cut off`);
    }
    return {
      url,
      finalUrl: target.toString(),
      status,
      contentType: type,
      bytes: body.length,
      text: decode(body, charset),
    };
  }
}
