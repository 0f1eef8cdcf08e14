import { Logger } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { QUEUE_DEPTH_STATES, QueueRegistry } from './queue-registry';

const logger = new Logger('Metrics');

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `labwire_queue_jobs{queue, state}`: jobs per queue and state, read from Redis at scrape time. When
 * Redis does not answer in time the gauge is left empty for that scrape rather than failing /metrics.
 */
export function registerQueueDepthGauge(registry: Registry, queues: QueueRegistry, timeoutMs = 2000): Gauge {
  return new Gauge({
    name: 'labwire_queue_jobs',
    help: 'BullMQ jobs per queue and state (waiting, active, delayed, failed), read at scrape time',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const depths = await withTimeout(queues.depths(), timeoutMs);
        for (const [queue, counts] of depths) {
          for (const state of QUEUE_DEPTH_STATES) this.set({ queue, state }, counts[state]);
        }
      } catch (err) {
        logger.warn(`queue depths unavailable: ${(err as Error).message}`);
      }
    },
  });
}
