import { request as httpRequest, IncomingMessage } from 'node:http';

export interface ReceivedSseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * A minimal Server-Sent Events reader for tests: connects with the given headers, parses events and
 * comments as they arrive, and lets a test wait for the next event matching a predicate.
 */
export class SseTestClient {
  readonly events: ReceivedSseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  headers: IncomingMessage['headers'] = {};
  ended = false;
  private buffer = '';
  private waiters: Array<() => void> = [];
  private response?: IncomingMessage;
  private destroy?: () => void;

  static async connect(url: string, headers: Record<string, string> = {}): Promise<SseTestClient> {
    const client = new SseTestClient();
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        client.response = res;
        client.status = res.statusCode ?? 0;
        client.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => client.feed(chunk));
        res.on('end', () => client.finish());
        res.on('close', () => client.finish());
        resolve();
      });
      client.destroy = () => req.destroy();
      req.on('error', reject);
      req.end();
    });
    return client;
  }

  /** The whole body, for a response that is not a stream (an error problem). */
  async body(): Promise<string> {
    await this.until(() => this.ended, 5000);
    return this.buffer;
  }

  /** Resolves with the first event (from the start) for which `match` holds; rejects after `timeoutMs`. */
  async next(match: (e: ReceivedSseEvent) => boolean, timeoutMs = 5000): Promise<ReceivedSseEvent> {
    await this.until(() => this.events.some(match), timeoutMs);
    return this.events.find(match) as ReceivedSseEvent;
  }

  /** Waits until `condition` holds, re-checked on every chunk received. */
  async until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`SSE: condition not met within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.destroy?.();
  }

  private feed(chunk: string): void {
    const type = String(this.headers['content-type'] ?? '');
    if (!type.startsWith('text/event-stream')) {
      this.buffer += chunk;
      return this.wake();
    }
    this.buffer += chunk;
    let cut: number;
    while ((cut = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, cut);
      this.buffer = this.buffer.slice(cut + 2);
      const event: ReceivedSseEvent = { event: 'message', data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('event: ')) event.event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
        else if (line.startsWith('id: ')) event.id = line.slice(4);
      }
      if (data.length) this.events.push({ ...event, data: data.join('\n') });
    }
    this.wake();
  }

  private finish(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
