import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig, REDIS } from '@labwire/core';
import { AuthInvalidator } from './auth-invalidator';

const TTL_MS = 5_000;
const MAX_ENTRIES = 20_000;
const ALL = '*';

interface Entry {
  value: unknown;
  userId: string;
  expiresAt: number;
}

/**
 * Remembers, for a few seconds, what authenticating a request read from the database (session or
 * API key state, and the caller's role in the addressed workspace), so a busy client costs one
 * query per request instead of two.
 *
 * Anything that changes that state (logout, revocation, password change, disabling a user, role or
 * membership changes) calls `invalidateUser` after its transaction commits: the entry is dropped
 * here at once and on every other replica through Redis pub/sub. A generation counter keeps a read
 * that raced with an invalidation from being cached, and the TTL bounds staleness should a pub/sub
 * message ever be lost.
 */
@Injectable()
export class AuthCache extends AuthInvalidator implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('AuthCache');
  private readonly entries = new Map<string, Entry>();
  private readonly byUser = new Map<string, Set<string>>();
  private generation = 0;
  private readonly listeners = new Set<(userId: string | null) => void>();
  private readonly channel: string;
  private subscriber?: Redis;
  private subscribed = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super();
    this.channel = `${config.redis.prefix}:auth-invalidate`;
  }

  /** Subscribes in the background: the api must start (and report Redis down) without Redis. */
  onModuleInit(): void {
    const subscriber = this.redis.duplicate({ maxRetriesPerRequest: null });
    subscriber.on('error', (err) => this.logger.warn(`invalidation channel: ${err.message}`));
    subscriber.on('message', (_channel: string, userId: string) => {
      this.drop(userId);
      this.notify(userId);
    });
    // After a reconnect (ioredis subscribes again) entries may have missed invalidations.
    subscriber.on('ready', () => {
      this.drop(ALL);
      this.notify(ALL);
    });
    this.subscriber = subscriber;
    subscriber.subscribe(this.channel).then(
      () => (this.subscribed = true),
      (err: Error) => this.logger.warn(`cannot subscribe to ${this.channel}: ${err.message}; not caching`),
    );
  }

  onApplicationShutdown(): void {
    // disconnect, not quit: QUIT would wait for a Redis that may be down.
    this.subscriber?.disconnect();
  }

  /** Call before the database read whose result may be cached; pass the token to `set`. */
  token(): number {
    return this.generation;
  }

  get<T>(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.remove(key, entry);
      return undefined;
    }
    return entry.value as T;
  }

  set(key: string, userId: string, value: unknown, token: number): void {
    // Not subscribed: no way to hear of invalidations from other replicas, so do not cache.
    if (token !== this.generation || !this.subscribed || this.subscriber?.status !== 'ready') return;
    if (this.entries.size >= MAX_ENTRIES) this.drop(ALL);
    this.entries.set(key, { value, userId, expiresAt: Date.now() + TTL_MS });
    let keys = this.byUser.get(userId);
    if (!keys) this.byUser.set(userId, (keys = new Set()));
    keys.add(key);
  }

  /**
   * Calls `listener` whenever a user's credentials, role or memberships may have changed, here or on
   * another replica (null: possibly every user's, e.g. after the channel reconnected), so what was
   * granted on them (open event streams) can be checked again. Returns the function that stops it.
   */
  onInvalidation(listener: (userId: string | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The user's credentials, role or memberships changed: forget them here and on every replica. */
  async invalidateUser(userId: string): Promise<void> {
    this.drop(userId);
    // At once here, whether or not Redis carries the message back (other replicas hear it from Redis).
    this.notify(userId);
    await this.redis.publish(this.channel, userId).catch((err: Error) => {
      this.logger.warn(`could not broadcast invalidation of user ${userId}: ${err.message}`);
    });
  }

  /** Forget everything (e.g. a workspace and all its memberships were deleted). */
  invalidateAll(): Promise<void> {
    return this.invalidateUser(ALL);
  }

  private drop(userId: string): void {
    this.generation++;
    if (userId === ALL) {
      this.entries.clear();
      this.byUser.clear();
      return;
    }
    for (const key of this.byUser.get(userId) ?? []) this.entries.delete(key);
    this.byUser.delete(userId);
  }

  private notify(userId: string): void {
    for (const listener of this.listeners) {
      try {
        listener(userId === ALL ? null : userId);
      } catch (err) {
        this.logger.warn(`invalidation listener failed: ${(err as Error).message}`);
      }
    }
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.byUser.get(entry.userId)?.delete(key);
  }
}
