import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig, REDIS } from '@labwire/core';
import { AlertHistoryRepository } from './alert-history.repository';
import { alertEventsChannel } from './alert-topics';
import { Alert, AlertAction, AlertActor, AlertConfig, AlertTransition } from './alert.types';

export interface TransitionInput {
  action: AlertAction;
  alert: Alert;
  config: AlertConfig;
  actor: AlertActor;
  note?: string | null;
  silenced?: boolean;
}

/**
 * Called inside the transaction that records a transition, after its history row: writes that must
 * commit or roll back with it (the notification outbox). A throw rolls the transition back.
 */
export type AlertTransitionRecordedListener = (em: EntityManager, transition: AlertTransition) => Promise<void>;

/** Called after the transaction that recorded these transitions committed (one call per commit). */
export type AlertTransitionListener = (transitions: AlertTransition[]) => Promise<void> | void;

/** The SSE event of one transition (`…/alerts/events`). Times ISO-8601. */
export interface AlertEvent {
  action: AlertAction;
  silenced: boolean;
  actor: { kind: AlertActor['kind']; id: string | null };
  note: string | null;
  at: string;
  alert: Alert;
}

/**
 * THE recording point of alert transitions: every change of an alert (triggered, retriggered,
 * acknowledged, escalated, cleared, auto-resolved, suppressed) goes through `recordTransition`
 * inside its transaction (it writes the history row), and through `committed` once that transaction
 * committed, which relays the workspace's SSE event and calls the listeners registered with
 * `onCommitted` (display refresh and timers by the alerts module, queueing notifications); listeners
 * registered with `onRecorded` run inside the transaction (the notification outbox).
 */
@Injectable()
export class AlertTransitionRecorder {
  private readonly logger = new Logger('AlertTransitions');
  private readonly listeners: AlertTransitionListener[] = [];
  private readonly recordedListeners: AlertTransitionRecordedListener[] = [];

  constructor(
    private readonly history: AlertHistoryRepository,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onCommitted(listener: AlertTransitionListener): void {
    this.listeners.push(listener);
  }

  onRecorded(listener: AlertTransitionRecordedListener): void {
    this.recordedListeners.push(listener);
  }

  async recordTransition(em: EntityManager, t: TransitionInput): Promise<AlertTransition> {
    const note = t.note ?? null;
    const entry = await this.history.insert(
      t.alert.workspaceId,
      {
        alertId: t.alert.id,
        key: t.alert.key,
        instrumentId: t.alert.instrumentId,
        action: t.action,
        state: t.alert.state,
        priority: t.alert.priority,
        note,
        actorKind: t.actor.kind,
        actorId: t.actor.id ?? null,
      },
      em,
    );
    const transition: AlertTransition = {
      action: t.action,
      alert: t.alert,
      config: t.config,
      actor: t.actor,
      note,
      silenced: t.silenced ?? false,
      entry,
      deliveryIds: [],
    };
    for (const listener of this.recordedListeners) await listener(em, transition);
    return transition;
  }

  /** After commit: events and listeners. Never rejects (the change is committed; these are best effort). */
  async committed(transitions: AlertTransition[]): Promise<void> {
    if (!transitions.length) return;
    for (const t of transitions) {
      const event: AlertEvent = {
        action: t.action,
        silenced: t.silenced,
        actor: { kind: t.actor.kind, id: t.actor.id ?? null },
        note: t.note,
        at: new Date(t.entry.at).toISOString(),
        alert: t.alert,
      };
      await this.redis
        .publish(alertEventsChannel(this.config.redis.prefix, t.alert.workspaceId), JSON.stringify(event))
        .catch((err: Error) => this.logger.warn(`alert event not published: ${err.message}`));
    }
    for (const listener of this.listeners) {
      try {
        await listener(transitions);
      } catch (err) {
        this.logger.warn(`an alert transition listener failed: ${(err as Error).message}`);
      }
    }
  }
}
