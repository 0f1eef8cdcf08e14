import { bullOptions, bullPrefix, redisOptionsFromUrl } from './queue-connection';

const redis = (url: string, prefix = 'labwire') => ({ redis: { url, prefix } });

describe('BullMQ connection options', () => {
  it('wraps the key prefix in a Redis Cluster hash tag, unless it has one', () => {
    expect(bullPrefix(redis('redis://h', 'labwire'))).toBe('{labwire}');
    expect(bullPrefix(redis('redis://h', 'lwt:ab12'))).toBe('{lwt:ab12}');
    expect(bullPrefix(redis('redis://h', '{lab}:prod'))).toBe('{lab}:prod');
  });

  it('reads host, port, credentials, db and TLS from REDIS_URL', () => {
    expect(redisOptionsFromUrl('redis://127.0.0.1:6379')).toMatchObject({ host: '127.0.0.1', port: 6379 });
    expect(redisOptionsFromUrl('rediss://user:p%40ss@cache.example:6380/2')).toEqual({
      host: 'cache.example',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 2,
      tls: {},
    });
    expect(redisOptionsFromUrl('redis://[::1]')).toMatchObject({ host: '::1', port: 6379 });
  });

  it('lets workers wait for Redis and bounds producer commands', () => {
    expect(bullOptions(redis('redis://h'), 'worker').connection).toMatchObject({ maxRetriesPerRequest: null });
    expect(bullOptions(redis('redis://h'), 'producer').connection).toMatchObject({ maxRetriesPerRequest: 2 });
    expect(bullOptions(redis('redis://h'), 'producer').prefix).toBe('{labwire}');
  });
});
