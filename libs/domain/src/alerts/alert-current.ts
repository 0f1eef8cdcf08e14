import { Alert, AlertConfig } from './alert.types';

/** What a display shows: the current alert with its colour and effect, or nothing. */
export type CurrentAlert =
  | {
      active: true;
      seq: number;
      alertId: string;
      key: string;
      name: string;
      priority: number;
      state: Alert['state'];
      instrumentId: string | null;
      display: { color: string; effect: string };
      note: string | null;
      triggerCount: number;
      lastTriggeredAt: string;
    }
  | { active: false; seq: number };

export function currentAlertView(alert: Alert | null, config: AlertConfig | null, seq: number): CurrentAlert {
  if (!alert) return { active: false, seq };
  return {
    active: true,
    seq,
    alertId: alert.id,
    key: alert.key,
    name: config?.name ?? alert.key,
    priority: alert.priority,
    state: alert.state,
    instrumentId: alert.instrumentId,
    display: config ? { ...config.display } : { color: 'red', effect: 'steady' },
    note: alert.note,
    triggerCount: alert.triggerCount,
    lastTriggeredAt: new Date(alert.lastTriggeredAt).toISOString(),
  };
}
