import { Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WorkspaceRequest } from '../workspaces/workspace.guard';
import { RedisChannelHub } from './redis-channel-hub';
import { SseStreamAccess } from './sse-stream-access';
import { SseEvent, SseStream } from './sse-stream';

/** A Redis channel relayed as one event type; the message (JSON) is the event's data unless `map` says otherwise. */
export interface SseSource {
  channel: string;
  event: string;
  /** reshape or filter a message (undefined drops it) */
  map?: (message: string) => string | object | undefined;
}

export interface SseOptions {
  sources: SseSource[];
  /**
   * The first event, sent once every subscription is live (so the client misses nothing from then
   * on): typically the current state. Messages arriving meanwhile follow it, in order.
   */
  ready?: () => Promise<SseEvent> | SseEvent;
  /** comment lines this often keep proxies from closing an idle stream (default 15 s) */
  heartbeatMs?: number;
  /**
   * The stream ends after this long (default 15 minutes) and the client reconnects, presenting its
   * credentials again: a revoked session or key does not keep a stream open forever.
   */
  maxDurationMs?: number;
  /** the reconnection delay suggested to EventSource clients (default 3 s) */
  retryMs?: number;
  /**
   * The stream ends once an event for which this holds was sent (`ready` included): e.g. a job's
   * terminal state, after which nothing more will come.
   */
  endAfter?: (event: SseEvent) => boolean;
}

/** Starts watching a stream's access: `end` is called when it ends; answers the function that stops watching. */
type Watch = (end: (reason: string) => void) => () => void;

export const SSE_HEARTBEAT_MS = 15_000;
export const SSE_MAX_DURATION_MS = 15 * 60_000;

/**
 * Streams Redis pub/sub channels to one HTTP client as Server-Sent Events: subscribe first (a Redis
 * failure is still a 503 problem), then take over the response, send `ready`, relay messages, send
 * heartbeats, and detach everything when either side ends. Open streams are ended when the api shuts
 * down, so they never hold the process past its drain.
 *
 * In a controller: `@Get(':id/events') @ApiSseResponse(…) async events(@Req() req, @Res() reply) {
 * check access (throwing problems as usual); await this.sse.stream(req, reply, { sources, ready }); }`.
 */
@Injectable()
export class SseService implements OnModuleDestroy {
  private readonly streams = new Set<SseStream>();
  private closing = false;

  constructor(
    private readonly hub: RedisChannelHub,
    /** caps and watches the streams of signed-in callers; absent only in plumbing tests without users */
    @Optional() private readonly access?: SseStreamAccess,
  ) {}

  /** Open streams in this process. */
  get openStreams(): number {
    return this.streams.size;
  }

  async stream(request: FastifyRequest, reply: FastifyReply, options: SseOptions): Promise<void> {
    const maxDurationMs = options.maxDurationMs ?? SSE_MAX_DURATION_MS;
    // The caller (set by the auth guard) and the workspace the stream belongs to (by the workspace guard).
    const { user: principal, workspaceMembership } = request as WorkspaceRequest;
    const access = principal ? this.access : undefined;
    // 429 before anything else: a user over the cap costs no subscription.
    const release = principal && access ? await access.acquire(principal.userId, maxDurationMs) : () => undefined;
    const watch: Watch | undefined =
      principal && access ? (end) => access.watch(principal, workspaceMembership?.workspaceId, end) : undefined;
    try {
      await this.open(request, reply, options, { maxDurationMs, release, watch });
    } catch (err) {
      release();
      throw err;
    }
  }

  private async open(
    request: FastifyRequest,
    reply: FastifyReply,
    options: SseOptions,
    { maxDurationMs, release, watch }: { maxDurationMs: number; release: () => void; watch?: Watch },
  ): Promise<void> {
    const pending: SseEvent[] = [];
    // Until the stream is open (and `ready` sent), messages wait in order.
    let deliver = (event: SseEvent) => void pending.push(event);
    const relay = (channel: string, message: string) => {
      for (const source of options.sources) {
        if (source.channel !== channel) continue;
        const data = source.map ? source.map(message) : message;
        if (data === undefined) continue;
        deliver({ event: source.event, data });
      }
    };
    const detach = await this.hub.subscribe(
      options.sources.map((s) => s.channel),
      relay,
    );
    if (this.closing || request.raw.socket.destroyed) {
      detach();
      release();
      return;
    }
    let ready: SseEvent | undefined;
    try {
      ready = options.ready ? await options.ready() : undefined;
    } catch (err) {
      detach();
      throw err;
    }
    const open = SseStream.open(request, reply, options.retryMs);
    this.streams.add(open);
    const heartbeat = setInterval(() => open.comment('ping'), options.heartbeatMs ?? SSE_HEARTBEAT_MS);
    const deadline = setTimeout(() => open.close(), maxDurationMs);
    // Access that ends (logout, revocation, removal from the workspace) ends the stream, saying why.
    const unwatch = watch?.((reason) => {
      open.send({ event: 'revoked', data: { reason } });
      open.close();
    });
    open.onClose(() => {
      clearInterval(heartbeat);
      clearTimeout(deadline);
      detach();
      unwatch?.();
      release();
      this.streams.delete(open);
    });
    const send = (event: SseEvent) => {
      if (!open.send(event)) return;
      if (options.endAfter?.(event)) open.close();
    };
    if (ready) send(ready);
    for (const event of pending.splice(0)) if (!open.closed) send(event);
    deliver = (event) => {
      if (!open.closed) send(event);
    };
  }

  /** Before the HTTP server closes: end every stream (clients reconnect to another replica). */
  onModuleDestroy(): void {
    this.closing = true;
    for (const stream of [...this.streams]) stream.close();
  }
}
