import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** One Server-Sent Event. `data` is sent as is when a string (e.g. JSON relayed from Redis), else as JSON. */
export interface SseEvent {
  event?: string;
  data: string | object;
  id?: string;
}

/** A client that reads slower than this many bytes behind is cut off; it reconnects and reads afresh. */
export const SSE_MAX_BUFFERED_BYTES = 1024 * 1024;

function lines(prefix: string, text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => `${prefix}${line}\n`)
    .join('');
}

/** Field values that must stay on one line (event name, id). */
function oneLine(value: string): string {
  return value.replace(/[\r\n]/g, '');
}

/** W3C event-stream text for one event. */
export function formatSseEvent(event: SseEvent): string {
  let out = '';
  if (event.event) out += `event: ${oneLine(event.event)}\n`;
  if (event.id !== undefined) out += `id: ${oneLine(event.id)}\n`;
  out += lines('data: ', typeof event.data === 'string' ? event.data : JSON.stringify(event.data));
  return `${out}\n`;
}

/**
 * A `text/event-stream` response over a hijacked Fastify reply: Fastify and Nest send nothing more,
 * this object writes events, comments and the end. The headers already set on the reply (request id,
 * CORS) are kept. `onClose` handlers run once, whichever side ends the stream.
 */
export class SseStream {
  private ended = false;
  private readonly closeHandlers: Array<() => void> = [];
  private readonly raw: ServerResponse;

  private constructor(request: FastifyRequest, reply: FastifyReply, retryMs: number) {
    this.raw = reply.raw;
    reply.hijack();
    const socket = request.raw.socket;
    socket.setKeepAlive(true);
    socket.setNoDelay(true);
    socket.setTimeout(0);
    const inherited: Record<string, string | number | string[]> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) inherited[name] = value;
    }
    this.raw.writeHead(200, {
      ...inherited,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store, no-transform',
      connection: 'keep-alive',
      // nginx and similar proxies must pass events through at once, not buffer them
      'x-accel-buffering': 'no',
    });
    this.raw.write(`retry: ${retryMs}\n\n`);
    const onGone = () => this.close();
    // The response's 'close' is the connection's (the request's fires once its body is read).
    this.raw.once('close', onGone);
    this.raw.once('error', onGone);
    // The client may have left before the listeners were attached: that 'close' will not come again.
    if (socket.destroyed || this.raw.destroyed) queueMicrotask(onGone);
  }

  /** Takes over the reply and writes the event-stream headers; nothing may be sent through `reply` after this. */
  static open(request: FastifyRequest, reply: FastifyReply, retryMs = 3000): SseStream {
    return new SseStream(request, reply, retryMs);
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Writes one event; false (and the stream closed) when the client is gone or too far behind. */
  send(event: SseEvent): boolean {
    return this.write(formatSseEvent(event));
  }

  /** A comment line: ignored by EventSource, keeps proxies and idle timers from closing the connection. */
  comment(text: string): boolean {
    return this.write(`${lines(': ', text)}\n`);
  }

  onClose(handler: () => void): void {
    if (this.ended) handler();
    else this.closeHandlers.push(handler);
  }

  /** Ends the response (if still open) and runs the close handlers once. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.raw.writableEnded) this.raw.end();
    for (const handler of this.closeHandlers.splice(0)) {
      try {
        handler();
      } catch {
        // a failing cleanup must not keep the others from running
      }
    }
  }

  private write(text: string): boolean {
    if (this.ended || this.raw.writableEnded || this.raw.destroyed) {
      this.close();
      return false;
    }
    if (this.raw.writableLength > SSE_MAX_BUFFERED_BYTES) {
      this.close();
      return false;
    }
    this.raw.write(text);
    return true;
  }
}
