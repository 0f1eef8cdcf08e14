/** Alert states: `active` → `acknowledged` → `resolved` (or `active` → `resolved`). */
export const ALERT_STATES = ['active', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** Every transition the history records. Stored and filtered on: add, never rename. */
export const ALERT_ACTIONS = [
  'triggered',
  'retriggered',
  'acknowledged',
  'escalated',
  'cleared',
  'auto-resolved',
  'suppressed',
] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

export const ALERT_ACTOR_KINDS = ['user', 'api-key', 'rule', 'instrument', 'system'] as const;
export type AlertActorKind = (typeof ALERT_ACTOR_KINDS)[number];

/**
 * Who caused a transition. `id` is the user, API key, rule or instrument id (none for `system`).
 * `userId` (the user behind an API key) and `requestId` only feed the audit log.
 */
export interface AlertActor {
  kind: AlertActorKind;
  id?: string | null;
  userId?: string | null;
  requestId?: string | null;
}

export const ALERT_EFFECTS = ['steady', 'blink', 'pulse', 'off'] as const;
export type AlertEffect = (typeof ALERT_EFFECTS)[number];

/** Named colours a light tower or display understands; anything else is `#RRGGBB`. */
export const ALERT_NAMED_COLORS = ['red', 'orange', 'amber', 'yellow', 'green', 'blue', 'white', 'purple'] as const;
export const ALERT_COLOR_PATTERN = /^(?:#[0-9a-fA-F]{6}|red|orange|amber|yellow|green|blue|white|purple)$/;

/** Alert keys are slugs: lowercase letters and digits, with `.`, `_` or `-` inside; at most 100 characters. */
export const ALERT_KEY_PATTERN = /^[a-z0-9](?:[a-z0-9._-]{0,98}[a-z0-9])?$/;

export interface AlertDisplay {
  color: string;
  effect: AlertEffect;
}

export interface AlertConfig {
  id: string;
  workspaceId: string;
  key: string;
  name: string;
  description: string | null;
  /** 1 is the most urgent, 5 the least */
  defaultPriority: number;
  display: AlertDisplay;
  /** seconds after the last trigger at which an alert nobody cleared resolves by itself */
  autoResolveAfter: number | null;
  /** seconds an alert may stay unacknowledged before it rises one priority step (and again after as long) */
  escalateAfter: number | null;
  notificationChannelIds: string[];
  /** alerts of this priority or more urgent (a smaller number) notify */
  notifyMinPriority: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Alert {
  id: string;
  workspaceId: string;
  key: string;
  instrumentId: string | null;
  state: AlertState;
  priority: number;
  note: string | null;
  triggerCount: number;
  escalations: number;
  openedAt: Date;
  lastTriggeredAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  /** how it was resolved: `cleared` or `auto-resolved` */
  resolution: 'cleared' | 'auto-resolved' | null;
  updatedAt: Date;
}

export interface AlertHistoryEntry {
  id: string;
  workspaceId: string;
  alertId: string | null;
  key: string;
  instrumentId: string | null;
  action: AlertAction;
  /** the alert's state after the transition */
  state: AlertState | null;
  priority: number | null;
  note: string | null;
  actorKind: AlertActorKind;
  actorId: string | null;
  at: Date;
}

/** One recorded transition, as the history row and the hooks after commit see it. */
export interface AlertTransition {
  action: AlertAction;
  alert: Alert;
  config: AlertConfig;
  actor: AlertActor;
  note: string | null;
  /** true when a silence matched: recorded, but hidden from displays (and not to be notified) */
  silenced: boolean;
  /** the history row */
  entry: AlertHistoryEntry;
  /**
   * The notification deliveries written for it inside its transaction (the outbox), queued once it
   * commits. Carried here, not in a process-wide map, so a transition whose transaction rolls back
   * takes them with it and leaves nothing behind.
   */
  deliveryIds: string[];
}
