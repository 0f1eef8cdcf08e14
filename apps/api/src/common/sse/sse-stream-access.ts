import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, DomainError, REDIS } from '@labwire/core';
import { AccessVerifier, AuthCache, Principal } from '@labwire/domain';

/** How often an open stream's access is read again even when no invalidation was heard. */
export const SSE_RECHECK_MS = 60_000;

/** Why a stream was ended by the server because access ended (the `revoked` event's reason). */
export const ACCESS_ENDED =
  'access ended: signed out, session or API key revoked or expired, user disabled, or no longer a member of the workspace';

/**
 * Takes a slot in one atomic step: forgets slots past their expiry (a replica that died holding
 * them), refuses when the user holds `max` already, else adds this one. KEYS[1] the user's sorted set;
 * ARGV: now, expiry of this slot (ms), slot id, max, key TTL (ms).
 */
const TAKE_SLOT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

export class TooManyStreamsError extends DomainError {
  constructor(limit: number) {
    super(
      'TOO_MANY_STREAMS',
      `You already have ${limit} event streams open, the most SSE_MAX_STREAMS_PER_USER allows; ` +
        'close one (or let one end) and connect again',
      undefined,
      { limit },
    );
  }
}

interface Watched {
  principal: Principal;
  workspaceId?: string;
  end: (reason: string) => void;
}

/**
 * Who may keep an event stream open. Caps the streams one user holds at once across every api
 * replica (a sorted set per user in Redis), and ends a stream as soon as what admitted it ends:
 * logout, a revoked or expired session or API key, a disabled user, removal from the workspace.
 * Those changes already announce themselves on the auth-invalidation channel (AuthCache); each
 * announcement has the user's open streams here checked again against the database, and every
 * stream is also checked every SSE_RECHECK_MS in case a message was lost or a key simply expired.
 */
@Injectable()
export class SseStreamAccess implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('SseStreamAccess');
  private readonly byUser = new Map<string, Set<Watched>>();
  /** users whose streams are being checked; true: check again when done (another invalidation came) */
  private readonly checking = new Map<string, boolean>();
  private stopListening?: () => void;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly verifier: AccessVerifier,
    private readonly cache: AuthCache,
  ) {}

  onModuleInit(): void {
    this.stopListening = this.cache.onInvalidation((userId) => {
      for (const user of userId === null ? [...this.byUser.keys()] : [userId]) this.checkUser(user);
    });
  }

  onModuleDestroy(): void {
    this.stopListening?.();
  }

  /**
   * Takes one of the user's stream slots for at most `maxDurationMs` (streams end by then), or throws
   * 429 TOO_MANY_STREAMS. Resolves with the function that gives the slot back.
   */
  async acquire(userId: string, maxDurationMs: number): Promise<() => void> {
    const key = `${this.config.redis.prefix}:sse:streams:${userId}`;
    const slot = randomUUID();
    const now = Date.now();
    // A slot outlives its stream's longest life by a minute, so a replica that died holding it
    // blocks nobody for longer than that.
    const expiry = now + maxDurationMs + 60_000;
    let taken: unknown;
    try {
      taken = await this.redis.eval(
        TAKE_SLOT,
        1,
        key,
        now,
        expiry,
        slot,
        this.config.api.sseMaxStreamsPerUser,
        maxDurationMs + 60_000,
      );
    } catch (err) {
      throw new DomainError('SERVICE_UNAVAILABLE', `Live events are unavailable: Redis ${(err as Error).message}`);
    }
    if (taken !== 1) throw new TooManyStreamsError(this.config.api.sseMaxStreamsPerUser);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.redis
        .zrem(key, slot)
        .catch((err: Error) => this.logger.warn(`could not free a stream slot: ${err.message}`));
    };
  }

  /**
   * Watches an open stream of `principal` (in `workspaceId`, for workspace streams): `end` is called
   * once its access no longer holds. Returns the function that stops watching.
   */
  watch(principal: Principal, workspaceId: string | undefined, end: (reason: string) => void): () => void {
    const watched: Watched = { principal, workspaceId, end };
    let set = this.byUser.get(principal.userId);
    if (!set) this.byUser.set(principal.userId, (set = new Set()));
    set.add(watched);
    // Once now: an invalidation that came between the request's authentication and this point
    // found no stream to check.
    void this.check(watched);
    const timer = setInterval(() => void this.check(watched), SSE_RECHECK_MS);
    timer.unref();
    return () => {
      clearInterval(timer);
      const streams = this.byUser.get(principal.userId);
      streams?.delete(watched);
      if (streams && !streams.size) this.byUser.delete(principal.userId);
    };
  }

  /** Streams of the user that are being watched here (for tests and metrics). */
  watchedStreams(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  /** Checks every open stream of a user; invalidations arriving meanwhile make one more pass. */
  private checkUser(userId: string): void {
    if (!this.byUser.has(userId)) return;
    if (this.checking.has(userId)) {
      this.checking.set(userId, true);
      return;
    }
    this.checking.set(userId, false);
    void (async () => {
      do {
        this.checking.set(userId, false);
        await Promise.all([...(this.byUser.get(userId) ?? [])].map((w) => this.check(w)));
      } while (this.checking.get(userId));
      this.checking.delete(userId);
    })();
  }

  private async check(watched: Watched): Promise<void> {
    let valid: boolean;
    try {
      valid = await this.verifier.stillValid(watched.principal, watched.workspaceId);
    } catch (err) {
      // A database blip must not cut every stream; the next check (or the stream's end) decides.
      this.logger.warn(`could not check a stream's access: ${(err as Error).message}`);
      return;
    }
    if (!valid) watched.end(ACCESS_ENDED);
  }
}
