import Redis from 'ioredis';
import { RequestPacer, sleep } from '@labwire/providers';

/**
 * Takes the next request slot of a key: the later of now (Redis's clock) and the stored next slot,
 * moving the stored slot one interval on. Answers how long to wait for the slot taken.
 */
const TAKE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stored = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, stored)
local interval = tonumber(ARGV[1])
redis.call('SET', KEYS[1], tostring(slot + interval), 'PX', math.ceil(slot - now + interval) + 1000)
return slot - now`;

/**
 * Evenly spaced requests (60 000 / perMinute ms apart) across every worker process: the next free
 * slot lives in Redis under one key per endpoint user (a classification scheme), taken atomically.
 */
export class RedisRequestPacer implements RequestPacer {
  private readonly intervalMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    perMinute: number,
  ) {
    this.intervalMs = Math.ceil(60_000 / perMinute);
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    const wait = Number(await this.redis.eval(TAKE_SLOT, 1, this.key, this.intervalMs));
    await sleep(wait, signal);
  }
}
