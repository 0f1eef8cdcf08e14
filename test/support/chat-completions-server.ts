import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** A request the fake endpoint received. */
export interface ChatRequest {
  headers: IncomingMessage['headers'];
  body: {
    model: string;
    messages: Array<{ role: string; content: string }>;
    [key: string]: unknown;
  };
  /** the records of the user message */
  records: Array<{ id: string; text: string }>;
  at: number;
}

/**
 * What the endpoint does with one request: answer (status, headers, body), or `hang` (never answer).
 * `default` labels records by a rule of the test.
 */
export type ChatBehaviour =
  { status: number; headers?: Record<string, string>; body: string } | { hang: true } | 'default';

/** The `chat.completions` answer carrying `content` as the assistant's message. */
export function chatAnswer(content: string): string {
  return JSON.stringify({
    id: 'chatcmpl-test',
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  });
}

/**
 * A local OpenAI-compatible `POST /v1/chat/completions` endpoint (node:http) for tests: it records
 * every request, plays scripted behaviours in order (then `default`), and by default labels each
 * record with `label(text)`, after `delayMs` when given.
 */
export async function startChatCompletionsServer(
  label: (text: string) => string | string[],
  options: { delayMs?: number } = {},
) {
  const requests: ChatRequest[] = [];
  const script: ChatBehaviour[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end('{"error":{"message":"not found"}}');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest['body'];
      const user = body.messages.find((m) => m.role === 'user');
      const records = (JSON.parse(user?.content ?? '{"records":[]}') as { records: ChatRequest['records'] }).records;
      requests.push({ headers: req.headers, body, records, at: Date.now() });
      const behaviour = script.shift() ?? 'default';
      if (behaviour === 'default') {
        const results = records.map((r) => {
          const labels = label(r.text);
          return { id: r.id, labels: Array.isArray(labels) ? labels : [labels], confidence: 0.9, reason: 'test' };
        });
        const answer = () =>
          res.writeHead(200, { 'content-type': 'application/json' }).end(chatAnswer(JSON.stringify({ results })));
        if (options.delayMs) setTimeout(answer, options.delayMs);
        else answer();
      } else if ('hang' in behaviour) {
        hanging.push(res);
      } else {
        res
          .writeHead(behaviour.status, { 'content-type': 'application/json', ...behaviour.headers })
          .end(behaviour.body);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    /** behaviours for the next requests, in order */
    next(...behaviours: ChatBehaviour[]) {
      script.push(...behaviours);
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
