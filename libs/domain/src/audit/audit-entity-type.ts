/** What an audit entry is about. Values are stored and filtered on: add, never rename. */
export const AUDIT_ENTITY_TYPES = [
  'workspace',
  'member',
  'location',
  'instrument',
  'command',
  'job',
  'datasource',
  'record',
  'classification_scheme',
  'notification_channel',
  'protocol',
  'experiment',
  'instrument_calibration',
  'instrument_maintenance_window',
  'alert_config',
  'alert_silence',
  'invitation',
  'schedule',
  'share_link',
  'alert_rule',
] as const;
export type AuditEntityType = (typeof AUDIT_ENTITY_TYPES)[number];
