import Redis, { RedisOptions } from 'ioredis';

/**
 * One way to open Redis connections. BullMQ workers need maxRetriesPerRequest null (blocking
 * commands); everything else keeps ioredis' defaults so a dead Redis fails requests quickly.
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { lazyConnect: false, enableReadyCheck: true, ...options });
}

export async function redisMaxMemoryPolicy(redis: Redis): Promise<string | undefined> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    return reply[1];
  } catch {
    // CONFIG may be disabled on managed Redis; we cannot tell then.
    return undefined;
  }
}
