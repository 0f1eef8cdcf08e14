import type { BaseAdapter } from '@bull-board/api/baseAdapter';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { QUEUE_NAMES } from './queue-name';
import { QueueRegistry } from './queue-registry';

/**
 * bull-board's view of every Labwire queue (QUEUE_NAMES), over the registry's BullMQ Queue objects:
 * the part of the dashboard that touches BullMQ lives here, so the api never imports it.
 */
export function queueDashboardAdapters(queues: QueueRegistry): BaseAdapter[] {
  return QUEUE_NAMES.map((name) => new BullMQAdapter(queues.get(name), { displayName: name }));
}
