import { ConfigError } from '@labwire/core';
import { QueueName } from '@labwire/queue';
import { queueConcurrency } from './queue-concurrency';

const config = (concurrency: Record<string, number>) => ({
  worker: { port: 0, concurrency, maintenanceIntervalSeconds: 3600 },
});

describe('queueConcurrency', () => {
  it('uses the defaults and WORKER_CONCURRENCY over them', () => {
    expect(queueConcurrency(config({}))[QueueName.Maintenance]).toBe(1);
    expect(queueConcurrency(config({ maintenance: 3 }))[QueueName.Maintenance]).toBe(3);
  });

  it('names WORKER_CONCURRENCY when it mentions an unknown queue', () => {
    expect(() => queueConcurrency(config({ telemetri: 2 }))).toThrow(ConfigError);
    expect(() => queueConcurrency(config({ telemetri: 2 }))).toThrow(
      /WORKER_CONCURRENCY: unknown queue\(s\) "telemetri"/,
    );
  });
});
