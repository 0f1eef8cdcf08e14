import { AppConfig, ConfigError } from '@labwire/core';
import { DEFAULT_CONCURRENCY, QUEUE_NAMES, QueueName } from '@labwire/queue';

/**
 * Jobs run at once per queue in this process: WORKER_CONCURRENCY (`queue=n,…`) over the defaults.
 * A queue name that does not exist stops the worker, naming the variable.
 */
export function queueConcurrency(config: Pick<AppConfig, 'worker'>): Record<QueueName, number> {
  const known = new Set<string>(QUEUE_NAMES);
  const unknown = Object.keys(config.worker.concurrency).filter((q) => !known.has(q));
  if (unknown.length) {
    throw new ConfigError([
      `WORKER_CONCURRENCY: unknown queue(s) ${unknown.map((q) => `"${q}"`).join(', ')}; queues are ${QUEUE_NAMES.join(', ')}`,
    ]);
  }
  return Object.fromEntries(
    QUEUE_NAMES.map((q) => [q, config.worker.concurrency[q] ?? DEFAULT_CONCURRENCY[q]]),
  ) as Record<QueueName, number>;
}
