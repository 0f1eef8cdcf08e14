/**
 * Every BullMQ queue. Values are stored in Redis keys and job schedulers: once shipped they never
 * change (add a new queue instead).
 */
export enum QueueName {
  Maintenance = 'maintenance',
  Telemetry = 'telemetry',
  /** instruments' live state and their commands */
  Instruments = 'instruments',
  /** data sources turned into records */
  Ingestion = 'ingestion',
  /** records labelled with classification schemes */
  Classification = 'classification',
  /** alert escalation, auto-resolution and display republishing */
  Alerts = 'alerts',
  /** alert rules evaluated by time: no-data, connectivity, actions left behind by a dead worker */
  AlertRules = 'alert-rules',
}

export const QUEUE_NAMES: readonly QueueName[] = Object.values(QueueName);

export function isQueueName(name: string): name is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(name);
}
