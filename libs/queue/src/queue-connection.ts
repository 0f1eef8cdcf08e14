import type { QueueOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { AppConfig } from '@labwire/core';

/**
 * Producers (the api) give up on a command after two reconnection attempts, so a request answers
 * instead of hanging while Redis is away; workers wait for Redis forever, as BullMQ's blocking
 * commands require. (Not `enableOfflineQueue: false`: BullMQ's own start-up commands can then fail
 * while the connection is still being established.)
 */
export type QueueRole = 'producer' | 'worker';

/**
 * The BullMQ key prefix: REDIS_KEY_PREFIX wrapped in a hash tag (`{labwire}`), so every key of a queue
 * lands in one Redis Cluster slot, which BullMQ's Lua scripts need.
 */
export function bullPrefix(config: Pick<AppConfig, 'redis'>): string {
  const prefix = config.redis.prefix;
  return prefix.includes('{') ? prefix : `{${prefix}}`;
}

/** ioredis options from REDIS_URL (`redis://[user:password@]host[:port][/db]`, `rediss://` for TLS). */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: db ? Number(db) : undefined,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

/** Connection and prefix shared by every Queue and Worker of a process. */
export function bullOptions(config: Pick<AppConfig, 'redis'>, role: QueueRole): QueueOptions {
  const base = redisOptionsFromUrl(config.redis.url);
  const connection: RedisOptions =
    role === 'worker'
      ? { ...base, maxRetriesPerRequest: null }
      : { ...base, maxRetriesPerRequest: 2, connectTimeout: 5000 };
  return { connection, prefix: bullPrefix(config) };
}
