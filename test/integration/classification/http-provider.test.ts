import {
  ChatCompletionsClassifier,
  ChatCompletionsSettings,
  ClassifierError,
  ClassifierSpec,
  IntervalPacer,
  NetworkPolicy,
} from '../../../libs/providers/src';
import { chatAnswer, startChatCompletionsServer } from '../../support/chat-completions-server';

const SPEC: ClassifierSpec = {
  mode: 'single',
  threshold: 0.5,
  labels: [
    { name: 'spill', description: 'a chemical spill', rules: [] },
    { name: 'routine', description: 'nothing unusual', rules: [] },
  ],
  examples: [{ text: 'acid on the floor', label: 'spill' }],
};
const KEY = 'sk-test-secret-key-123456';
const LOOPBACK = new NetworkPolicy({ all: false, entries: ['127.0.0.1'] });

describe('HTTP classification provider (OpenAI-compatible chat completions)', () => {
  let server: Awaited<ReturnType<typeof startChatCompletionsServer>>;
  const retries: string[] = [];

  const classifier = (settings: Partial<ChatCompletionsSettings> = {}, policy = LOOPBACK) =>
    new ChatCompletionsClassifier(
      SPEC,
      {
        endpoint: server.url,
        model: 'test-model',
        apiKey: KEY,
        batchSize: 2,
        requestsPerMinute: 6000,
        timeoutMs: 2000,
        maxRetries: 3,
        ...settings,
      },
      {
        pacer: new IntervalPacer(settings.requestsPerMinute ?? 6000),
        policy,
        backoff: { baseMs: 20, capMs: 100 },
        onRetry: (m) => retries.push(m),
      },
    );
  const items = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ id: `rec-${i}`, text: i % 2 ? `spill number ${i}` : `all fine ${i}` }));

  beforeEach(async () => {
    retries.length = 0;
    server = await startChatCompletionsServer((text) => (text.includes('spill') ? 'spill' : 'routine'));
  });
  afterEach(async () => {
    await server.close();
  });

  it('sends records in batches with the model, the labels and the key, and maps answers back by id', async () => {
    const c = classifier();
    const results = await c.classify(items(5));
    c.close();
    expect(server.requests).toHaveLength(3);
    expect(server.requests.map((r) => r.records.length)).toEqual([2, 2, 1]);
    const first = server.requests[0];
    expect(first.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(first.body).toMatchObject({ model: 'test-model', temperature: 0, response_format: { type: 'json_object' } });
    expect(first.body.messages[0].content).toContain('"spill": a chemical spill');
    expect(first.body.messages[0].content).toContain('acid on the floor');
    expect(first.records).toEqual([
      { id: '1', text: 'all fine 0' },
      { id: '2', text: 'spill number 1' },
    ]);
    expect(results.map((r) => [r.id, r.labels[0].label])).toEqual([
      ['rec-0', 'routine'],
      ['rec-1', 'spill'],
      ['rec-2', 'routine'],
      ['rec-3', 'spill'],
      ['rec-4', 'routine'],
    ]);
    expect(results[1]).toMatchObject({
      confidence: 0.9,
      labels: [{ label: 'spill', confidence: 0.9 }],
      explanation: { provider: 'http', model: 'test-model', reason: 'test' },
    });
  });

  it('waits as long as Retry-After says after a 429, then succeeds', async () => {
    server.next({ status: 429, headers: { 'retry-after': '1' }, body: '{"error":{"message":"slow down"}}' });
    const started = Date.now();
    const results = await classifier().classify(items(2));
    expect(results).toHaveLength(2);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1].at - server.requests[0].at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(retries).toEqual([expect.stringMatching(/HTTP 429: slow down; retrying in 1000 ms \(attempt 2 of 4\)/)]);
  });

  it('retries a 500 with backoff and succeeds', async () => {
    server.next({ status: 500, body: 'upstream exploded' }, { status: 503, body: '' });
    const results = await classifier().classify(items(2));
    expect(results.map((r) => r.labels[0].label)).toEqual(['routine', 'spill']);
    expect(server.requests).toHaveLength(3);
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatch(/HTTP 500: upstream exploded/);
  });

  it('times out a request that gets no answer, and retries it', async () => {
    server.next({ hang: true });
    const results = await classifier({ timeoutMs: 300 }).classify(items(1));
    expect(results).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
    expect(retries[0]).toMatch(/no answer within 300 ms/);
  });

  it('fails with an error naming the endpoint once every attempt timed out', async () => {
    server.next({ hang: true }, { hang: true });
    const err = await classifier({ timeoutMs: 200, maxRetries: 1 })
      .classify(items(1))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClassifierError);
    expect(err).toMatchObject({ code: 'CLASSIFICATION_PROVIDER_FAILED', reason: 'timeout' });
    expect((err as Error).message).toBe(
      `Classification endpoint ${server.url}/chat/completions failed (2 attempts): no answer within 200 ms`,
    );
  });

  it.each([
    ['a body that is not JSON', 'Bad Gateway, but 200', /the response body is not JSON/],
    ['content that is not JSON', chatAnswer('Sure! spill, routine'), /message content is not a JSON object/],
    [
      'a label the scheme does not have',
      chatAnswer('{"results":[{"id":"1","labels":["fire"],"confidence":0.5}]}'),
      /"fire" is not a label/,
    ],
    ['a missing record', chatAnswer('{"results":[]}'), /0 results for 1 records/],
    [
      'a confidence out of range',
      chatAnswer('{"results":[{"id":"1","labels":["spill"],"confidence":7}]}'),
      /confidence must be a number from 0 to 1/,
    ],
    [
      'two labels in single mode',
      chatAnswer('{"results":[{"id":"1","labels":["spill","routine"],"confidence":0.5}]}'),
      /exactly one label/,
    ],
  ])('retries a malformed answer (%s) and fails naming it', async (_what, body, why) => {
    server.next(...Array.from({ length: 3 }, () => ({ status: 200, body })));
    const err = await classifier({ maxRetries: 2 })
      .classify(items(1))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClassifierError);
    expect((err as ClassifierError).reason).toBe('malformed_answer');
    expect((err as Error).message).toMatch(why);
    expect((err as Error).message).toContain(`${server.url}/chat/completions failed (3 attempts)`);
    expect(server.requests).toHaveLength(3);
  });

  it('accepts a fenced JSON answer after a malformed one', async () => {
    server.next(
      { status: 200, body: chatAnswer('no idea') },
      { status: 200, body: chatAnswer('```json\n{"results":[{"id":"1","labels":["SPILL"],"confidence":0.75}]}\n```') },
    );
    const [result] = await classifier().classify([{ id: 'x', text: 'anything' }]);
    expect(result).toMatchObject({ id: 'x', labels: [{ label: 'spill', confidence: 0.75 }], confidence: 0.75 });
  });

  it('does not retry a 401, and never shows the API key even when the endpoint echoes it', async () => {
    server.next({ status: 401, body: JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}` } }) });
    const err = await classifier()
      .classify(items(1))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClassifierError);
    expect(err).toMatchObject({ status: 401, reason: 'http_status', meta: { providerStatus: 401 } });
    expect((err as Error).message).toBe(
      `Classification endpoint ${server.url}/chat/completions failed: HTTP 401: Incorrect API key provided: [redacted]`,
    );
    expect(JSON.stringify(err)).not.toContain(KEY);
    expect(server.requests).toHaveLength(1);
    expect(retries).toEqual([]);
  });

  it('spaces requests to the rate limit', async () => {
    // Measured where the code decides: when the pacer lets each request go, in this process, on the
    // pacer's clock. The server's arrival times also carry each request's own latency (the first one
    // opens the connection), which a loaded machine stretches unevenly (286 ms seen for 300).
    const pacer = new IntervalPacer(600);
    const released: Array<{ at: number; requestsSeen: number }> = [];
    const started = Date.now();
    await new ChatCompletionsClassifier(
      SPEC,
      { endpoint: server.url, model: 'm', batchSize: 1, requestsPerMinute: 600, timeoutMs: 2000, maxRetries: 0 },
      {
        policy: LOOPBACK,
        pacer: {
          acquire: async (signal) => {
            await pacer.acquire(signal);
            released.push({ at: Date.now(), requestsSeen: server.requests.length });
          },
        },
      },
    ).classify(items(4));
    expect(server.requests).toHaveLength(4);
    // each request goes out only after the pacer released it
    expect(released.map((r) => r.requestsSeen)).toEqual([0, 1, 2, 3]);
    // Slots 100 ms apart from the first request: the i-th is released no earlier than 100·i ms after
    // the start. Timers never fire early on their own clock, but it and Date.now() are whole
    // milliseconds read separately (up to 2 ms of rounding); a busy machine only delays them.
    released.forEach((r, i) => expect(r.at - started).toBeGreaterThanOrEqual(100 * i - 2));
  });

  it('refuses a loopback endpoint that the SSRF guard does not allow, without connecting', async () => {
    const err = await classifier({}, new NetworkPolicy())
      .classify(items(1))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClassifierError);
    expect(err).toMatchObject({ reason: 'blocked' });
    expect((err as Error).message).toMatch(/refused by the SSRF guard: 127\.0\.0\.1 is a loopback address/);
    expect(server.requests).toHaveLength(0);
    const named = await new ChatCompletionsClassifier(
      SPEC,
      {
        endpoint: `http://localhost:${server.port}/v1`,
        model: 'm',
        batchSize: 1,
        requestsPerMinute: 60,
        timeoutMs: 1000,
        maxRetries: 0,
      },
      { pacer: new IntervalPacer(60), policy: new NetworkPolicy() },
    )
      .classify(items(1))
      .catch((e: unknown) => e);
    // the name and the kind of address, never the address it resolved to
    expect((named as Error).message).toMatch(/refused by the SSRF guard: localhost resolves to a loopback address/);
    expect((named as Error).message).not.toMatch(/127\.0\.0\.1|::1/);
    expect(server.requests).toHaveLength(0);
  });

  it('stops waiting at once when the caller aborts', async () => {
    server.next({ status: 429, headers: { 'retry-after': '30' }, body: '' });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('job cancelled')), 200);
    const err = await classifier()
      .classify(items(1), controller.signal)
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('job cancelled');
    // far sooner than the 30 s Retry-After it was waiting out (room left for a loaded CI machine)
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
