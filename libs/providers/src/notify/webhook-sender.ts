import { createHmac } from 'node:crypto';
import { IncomingMessage, request as httpRequest, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { readBodyExcerpt } from '../fetching/bounded-body';
import { guardedLookup } from '../fetching/guarded-lookup';
import { NetworkPolicy } from '../fetching/network-policy';

/** How much of a receiver's answer is kept in the delivery log. */
const ANSWER_EXCERPT_BYTES = 512;

export const SIGNATURE_HEADER = 'x-labwire-signature';
export const TIMESTAMP_HEADER = 'x-labwire-timestamp';
export const DELIVERY_HEADER = 'x-labwire-delivery';
export const EVENT_HEADER = 'x-labwire-event';

/**
 * The signature of a webhook body: `v1=` and the hex HMAC-SHA256, under the channel's secret, of
 * `<timestamp>.<body>` (timestamp in Unix seconds, as sent in X-Labwire-Timestamp). Signing the
 * timestamp with the body lets a receiver refuse replays of an old delivery.
 */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface WebhookRequest {
  url: string;
  /** the JSON body, exactly as signed */
  body: string;
  secret: string;
  deliveryId: string;
  event: string;
  /** Unix seconds; defaults to now */
  timestamp?: number;
}

/** What one attempt ended as. `retryable` is false for answers another attempt cannot change. */
export interface WebhookAttempt {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  /** why it failed, for the delivery log (never the resolved address of a refused host) */
  error: string | null;
  retryable: boolean;
  /** the first bytes of the receiver's answer */
  answer: string | null;
}

class WebhookFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/**
 * POSTs signed JSON to webhook receivers through the SSRF guard (every address of the host checked,
 * the connection pinned to them), with one deadline per attempt. Never throws: each attempt ends as a
 * WebhookAttempt the caller records. 2xx is success; 408, 425, 429 and 5xx are worth retrying; other
 * 4xx answers mean the receiver refuses this delivery and retrying cannot help. Redirects are not
 * followed (a receiver that moved must be updated).
 */
export class WebhookSender {
  constructor(
    private readonly policy: NetworkPolicy,
    private readonly timeoutMs: number,
  ) {}

  /** Why a URL cannot be a webhook target (a 400 at channel creation), or undefined. */
  static urlProblem(value: string): string | undefined {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return 'must be an absolute http or https URL';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
    if (url.username || url.password) return 'must not contain credentials (user:password@)';
    return undefined;
  }

  async send(req: WebhookRequest, signal?: AbortSignal): Promise<WebhookAttempt> {
    const started = process.hrtime.bigint();
    const elapsed = () => Number((process.hrtime.bigint() - started) / 1_000_000n);
    try {
      const { statusCode, answer } = await this.post(req, signal);
      const ok = statusCode >= 200 && statusCode < 300;
      const retryable = !ok && (statusCode >= 500 || [408, 425, 429].includes(statusCode));
      return {
        ok,
        statusCode,
        latencyMs: elapsed(),
        error: ok ? null : `the receiver answered HTTP ${statusCode}`,
        retryable,
        answer,
      };
    } catch (err) {
      const failure =
        err instanceof WebhookFailure
          ? err
          : new WebhookFailure(
              `network error (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
              true,
            );
      return {
        ok: false,
        statusCode: null,
        latencyMs: elapsed(),
        error: failure.message,
        retryable: failure.retryable,
        answer: null,
      };
    }
  }

  private async post(req: WebhookRequest, outer?: AbortSignal): Promise<{ statusCode: number; answer: string }> {
    const problem = WebhookSender.urlProblem(req.url);
    if (problem) throw new WebhookFailure(`the URL ${problem}`, false);
    const url = new URL(req.url);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host)) {
      const refused = this.policy.check(host, port);
      if (refused) throw new WebhookFailure(`refused by the SSRF guard: ${host} is ${refused}`, false);
    }
    const timestamp = req.timestamp ?? Math.floor(Date.now() / 1000);
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const signal = outer ? AbortSignal.any([outer, deadline]) : deadline;
    const options: RequestOptions = {
      method: 'POST',
      agent: false,
      signal,
      lookup: guardedLookup(
        this.policy,
        port,
        (hostname, why) => new WebhookFailure(`refused by the SSRF guard: ${hostname} resolves to ${why}`, false),
        (hostname) => new WebhookFailure(`${hostname} has no address`, true),
      ),
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(req.body),
        'user-agent': 'Labwire-Notify/1.0',
        [EVENT_HEADER]: req.event,
        [DELIVERY_HEADER]: req.deliveryId,
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: webhookSignature(req.secret, timestamp, req.body),
      },
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let response: IncomingMessage;
    try {
      response = await new Promise<IncomingMessage>((resolve, reject) => {
        const r = send(url, options, resolve);
        r.once('error', reject);
        r.end(req.body);
      });
    } catch (err) {
      if (err instanceof WebhookFailure) throw err;
      if (deadline.aborted) throw new WebhookFailure(`no answer within ${this.timeoutMs} ms`, true);
      throw err;
    }
    return {
      statusCode: response.statusCode ?? 0,
      // enough for the log: a receiver streaming an endless answer does not hold the attempt, and an
      // answer cut off after the status is not a failure (the status is what counts)
      answer: (await readBodyExcerpt(response, ANSWER_EXCERPT_BYTES)).toString('utf8'),
    };
  }
}
