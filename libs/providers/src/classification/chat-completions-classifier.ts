import { Agent as HttpAgent, IncomingMessage, request as httpRequest, RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { BodyTooLargeError, readBoundedBody } from '../fetching/bounded-body';
import { guardedLookup } from '../fetching/guarded-lookup';
import { NetworkPolicy } from '../fetching/network-policy';
import { Classification, Classifier, ClassifierSpec, ClassifyItem, LabelScore } from './classifier';
import { ClassifierError, ClassifierFailure } from './classifier.errors';
import { RequestPacer, sleep } from './request-pacer';

/** How a scheme reaches its model; `apiKey` is sent as a Bearer token and nowhere else. */
export interface ChatCompletionsSettings {
  /** the API's base URL (`https://host/v1`) or its chat-completions URL */
  endpoint: string;
  model: string;
  apiKey?: string | null;
  /** records per request */
  batchSize: number;
  requestsPerMinute: number;
  /** one request, answer included */
  timeoutMs: number;
  /** further attempts after a 429, a 5xx, a timeout, a network error or a malformed answer */
  maxRetries: number;
}

export interface ChatCompletionsOptions {
  /** the request rate (requestsPerMinute), shared as the caller sees fit */
  pacer: RequestPacer;
  /** the SSRF guard: which addresses the endpoint may resolve to */
  policy: NetworkPolicy;
  /** backoff before attempt n+1: a random delay in [0, min(capMs, baseMs · 2^(n-1))] (full jitter) */
  backoff?: { baseMs: number; capMs: number };
  /** longest Retry-After honoured; a longer one waits this long */
  maxRetryAfterMs?: number;
  random?: () => number;
  /** told about each retry (endpoint, status and delay; never the key) */
  onRetry?: (message: string) => void;
}

/** Largest answer read from the endpoint. */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
/** Characters of a record sent to the model (its beginning). */
export const MAX_PROMPT_TEXT_CHARS = 8000;
/** Examples of the scheme shown to the model. */
const PROMPT_EXAMPLES = 20;
const DEFAULT_BACKOFF = { baseMs: 500, capMs: 30_000 };
const RETRYABLE_STATUSES = new Set([408, 409, 425, 429]);

/** The chat-completions URL of an endpoint: `…/chat/completions` is appended unless it is there. */
export function chatCompletionsUrl(endpoint: string): URL {
  const url = new URL(endpoint);
  if (!/\/chat\/completions\/?$/.test(url.pathname)) url.pathname = url.pathname.replace(/\/?$/, '/chat/completions');
  return url;
}

/** One attempt's failure: whether another attempt may help, and when (Retry-After). */
class AttemptFailure extends Error {
  constructor(
    readonly reason: ClassifierFailure,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'AttemptFailure';
  }
}

interface RawAnswer {
  status: number;
  retryAfter?: string;
  text: string;
}

/**
 * The HTTP provider: an OpenAI-compatible `POST …/v1/chat/completions` endpoint. Records go in
 * batches (ids 1..n in one user message as JSON); the model must answer one JSON object,
 * `{"results": [{"id", "labels": [...], "confidence": 0..1, "reason"?}]}`, with exactly one entry
 * per record and only the scheme's labels (single mode: exactly one). Every request is paced
 * (requestsPerMinute), bounded by timeoutMs (AbortSignal) and retried with exponential backoff and
 * full jitter on 408/409/425/429, 5xx, timeouts, network errors and malformed answers, waiting as
 * long as Retry-After says when the endpoint sends it. The host is resolved and checked against the
 * SSRF guard before connecting. Errors name the endpoint and the status; the key is never logged.
 */
export class ChatCompletionsClassifier implements Classifier {
  readonly batchSize: number;
  private readonly url: URL;
  /** the endpoint as messages show it: no query, no credentials */
  readonly endpoint: string;
  private readonly agent: HttpAgent;
  private readonly instructions: string;
  private readonly labels: Map<string, string>;
  private readonly backoff: { baseMs: number; capMs: number };
  private readonly random: () => number;

  constructor(
    private readonly spec: ClassifierSpec,
    private readonly settings: ChatCompletionsSettings,
    private readonly options: ChatCompletionsOptions,
  ) {
    this.url = chatCompletionsUrl(settings.endpoint);
    this.endpoint = `${this.url.origin}${this.url.pathname}`;
    this.batchSize = settings.batchSize;
    const agentOptions = { keepAlive: true, maxSockets: 4 };
    this.agent = this.url.protocol === 'https:' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.labels = new Map(spec.labels.map((l) => [l.name.toLowerCase(), l.name]));
    this.instructions = instructions(spec);
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.random = options.random ?? Math.random;
  }

  async classify(items: ClassifyItem[], signal?: AbortSignal): Promise<Classification[]> {
    const out: Classification[] = [];
    for (let start = 0; start < items.length; start += this.batchSize) {
      out.push(...(await this.classifyBatch(items.slice(start, start + this.batchSize), signal)));
    }
    return out;
  }

  /** Frees the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private async classifyBatch(items: ClassifyItem[], signal?: AbortSignal): Promise<Classification[]> {
    const body = JSON.stringify({
      model: this.settings.model,
      temperature: 0,
      response_format: { type: 'json_object' },
      messages: [
        { role: 'system', content: this.instructions },
        {
          role: 'user',
          content: JSON.stringify({
            records: items.map((item, i) => ({ id: String(i + 1), text: item.text.slice(0, MAX_PROMPT_TEXT_CHARS) })),
          }),
        },
      ],
    });
    const attempts = this.settings.maxRetries + 1;
    for (let attempt = 1; ; attempt++) {
      await this.options.pacer.acquire(signal);
      let failure: AttemptFailure;
      try {
        const answer = await this.post(body, signal);
        if (answer.status >= 200 && answer.status < 300) return this.parse(answer.text, items);
        failure = this.statusFailure(answer);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (!(err instanceof AttemptFailure)) throw err;
        failure = err;
      }
      if (!failure.retryable || attempt >= attempts) {
        const tries = attempt > 1 ? ` (${attempt} attempts)` : '';
        throw new ClassifierError(
          `Classification endpoint ${this.endpoint} failed${tries}: ${failure.message}`,
          failure.reason,
          this.endpoint,
          failure.status,
        );
      }
      const delay =
        failure.retryAfterMs ??
        Math.floor(this.random() * Math.min(this.backoff.capMs, this.backoff.baseMs * 2 ** (attempt - 1)));
      this.options.onRetry?.(
        `classification endpoint ${this.endpoint}: ${failure.message}; retrying in ${delay} ms (attempt ${attempt + 1} of ${attempts})`,
      );
      await sleep(delay, signal);
    }
  }

  private async post(body: string, signal?: AbortSignal): Promise<RawAnswer> {
    const timeout = AbortSignal.timeout(this.settings.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const failed = (err: unknown): unknown => {
      if (signal?.aborted) return signal.reason;
      if (timeout.aborted) {
        return new AttemptFailure('timeout', `no answer within ${this.settings.timeoutMs} ms`, true);
      }
      if (err instanceof AttemptFailure) return err;
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      return new AttemptFailure('network', `network error (${code})`, true);
    };
    const port = Number(this.url.port || (this.url.protocol === 'https:' ? 443 : 80));
    const host = this.url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host)) {
      const problem = this.options.policy.check(host, port);
      if (problem) throw new AttemptFailure('blocked', `refused by the SSRF guard: ${host} is ${problem}`, false);
    }
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'content-length': Buffer.byteLength(body),
      'user-agent': 'Labwire-Classify/1.0',
    };
    if (this.settings.apiKey) headers.authorization = `Bearer ${this.settings.apiKey}`;
    const options: RequestOptions = {
      method: 'POST',
      headers,
      agent: this.agent,
      lookup: guardedLookup(
        this.options.policy,
        port,
        // the category only, never the address the name resolved to
        (hostname, problem) =>
          new AttemptFailure('blocked', `refused by the SSRF guard: ${hostname} resolves to ${problem}`, false),
        (hostname) => new AttemptFailure('network', `${hostname} has no address`, true),
      ),
      signal: combined,
    };
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    let response: IncomingMessage;
    try {
      response = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = send(this.url, options, resolve);
        req.once('error', reject);
        req.end(body);
      });
    } catch (err) {
      throw failed(err);
    }
    let answer: Buffer;
    try {
      answer = await readBoundedBody(response, MAX_ANSWER_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        throw new AttemptFailure('too_large', `the answer is ${err.message}`, false);
      }
      throw failed(err);
    }
    const retryAfter = response.headers['retry-after'];
    return { status: response.statusCode ?? 0, retryAfter, text: answer.toString('utf8') };
  }

  private statusFailure(answer: RawAnswer): AttemptFailure {
    const retryable = answer.status >= 500 || RETRYABLE_STATUSES.has(answer.status);
    const detail = this.excerpt(answer.text);
    return new AttemptFailure(
      'http_status',
      `HTTP ${answer.status}${detail ? `: ${detail}` : ''}`,
      retryable,
      answer.status,
      retryable ? this.retryAfterMs(answer.retryAfter) : undefined,
    );
  }

  /** Retry-After in seconds or as an HTTP date, capped at maxRetryAfterMs. */
  private retryAfterMs(header: string | undefined): number | undefined {
    if (!header) return undefined;
    const seconds = Number(header);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
    if (!Number.isFinite(ms)) return undefined;
    return Math.min(Math.max(0, Math.ceil(ms)), this.options.maxRetryAfterMs ?? 120_000);
  }

  /** A short, single-line piece of an error answer (its `error.message` when it has one), key removed. */
  private excerpt(text: string): string {
    let message = text;
    try {
      const parsed = JSON.parse(text) as { error?: { message?: unknown } | string };
      const inner = typeof parsed.error === 'string' ? parsed.error : parsed.error?.message;
      if (typeof inner === 'string') message = inner;
    } catch {
      // not JSON: the text itself
    }
    let out = message.replace(/\s+/g, ' ').trim().slice(0, 200);
    const key = this.settings.apiKey;
    if (key && key.length >= 4) out = out.split(key).join('[redacted]');
    return out;
  }

  /** The strict answer format, checked in full; AttemptFailure('malformed_answer') otherwise. */
  private parse(text: string, items: ClassifyItem[]): Classification[] {
    const bad = (why: string) => new AttemptFailure('malformed_answer', `malformed answer: ${why}`, true);
    let body: { choices?: Array<{ message?: { content?: unknown } }> };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw bad('the response body is not JSON');
    }
    const content = body?.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw bad('no choices[0].message.content string');
    const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(content);
    let answer: { results?: unknown };
    try {
      answer = JSON.parse(fenced ? fenced[1] : content) as typeof answer;
    } catch {
      throw bad('the message content is not a JSON object');
    }
    const results = answer?.results;
    if (!Array.isArray(results)) throw bad('no "results" array');
    if (results.length !== items.length) throw bad(`${results.length} results for ${items.length} records`);
    const out = new Array<Classification | undefined>(items.length);
    for (const raw of results as Array<Record<string, unknown>>) {
      if (!raw || typeof raw !== 'object') throw bad('a result is not an object');
      const index = Number(raw.id) - 1;
      if (typeof raw.id !== 'string' && typeof raw.id !== 'number') throw bad('a result has no id');
      if (!Number.isInteger(index) || index < 0 || index >= items.length) throw bad(`unknown id ${String(raw.id)}`);
      if (out[index]) throw bad(`id ${index + 1} answered twice`);
      const confidence = raw.confidence;
      if (typeof confidence !== 'number' || !Number.isFinite(confidence) || confidence < 0 || confidence > 1) {
        throw bad(`id ${index + 1}: confidence must be a number from 0 to 1`);
      }
      if (!Array.isArray(raw.labels) || raw.labels.some((l) => typeof l !== 'string')) {
        throw bad(`id ${index + 1}: labels must be an array of label names`);
      }
      const names: string[] = [];
      for (const label of raw.labels as string[]) {
        const name = this.labels.get(label.trim().toLowerCase());
        if (!name) throw bad(`id ${index + 1}: "${label.slice(0, 100)}" is not a label of the scheme`);
        if (!names.includes(name)) names.push(name);
      }
      if (this.spec.mode === 'single' && names.length !== 1) throw bad(`id ${index + 1}: exactly one label expected`);
      const labels: LabelScore[] = names.map((label) => ({ label, confidence }));
      const explanation: Record<string, unknown> = { provider: 'http', model: this.settings.model };
      if (typeof raw.reason === 'string' && raw.reason.trim()) explanation.reason = raw.reason.trim().slice(0, 500);
      out[index] = { id: items[index].id, labels, confidence, explanation };
    }
    return out as Classification[];
  }
}

function instructions(spec: ClassifierSpec): string {
  const labels = spec.labels.map((l) => `- ${JSON.stringify(l.name)}${l.description ? `: ${l.description}` : ''}`);
  const examples = spec.examples
    .slice(0, PROMPT_EXAMPLES)
    .map((e) => `- ${JSON.stringify(e.text.slice(0, 500))} -> ${JSON.stringify(e.label)}`);
  return [
    'You are a text classifier. Classify every record the user sends with the labels below.',
    spec.mode === 'single'
      ? 'Choose exactly one label per record.'
      : 'Choose every label that applies to a record; an empty list when none applies.',
    'Labels:',
    ...labels,
    ...(examples.length ? ['Examples:', ...examples] : []),
    'Answer with one JSON object and nothing else, in this form:',
    '{"results": [{"id": "<the record id>", "labels": ["<label name>"], "confidence": <a number from 0 to 1>, "reason": "<a few words>"}]}',
    'with exactly one entry per record, using the ids given and only the label names listed above.',
  ].join('\n');
}
