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
  /** alert notifications delivered to webhook and email channels */
  Notifications = 'notifications',
  /** outgoing mail: SMTP is slow or down at times, and a request never waits for it */
  Mail = 'mail',
  /** alert escalation, auto-resolution and display republishing */
  Alerts = 'alerts',
  /** the ticks of users' schedules and their reconciliation with the schedules table */
  Schedules = 'schedules',
  /** workspace exports and imports (NDJSON documents in object storage) */
  Transfer = 'transfer',
  /** protocols run on instruments, step by step */
  Experiments = 'experiments',
  /** alert rules evaluated by time: no-data, connectivity, actions left behind by a dead worker */
  AlertRules = 'alert-rules',
}

export const QUEUE_NAMES: readonly QueueName[] = Object.values(QueueName);

export function isQueueName(name: string): name is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(name);
}
