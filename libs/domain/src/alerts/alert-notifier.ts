import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AlertNotification, NotificationDispatcher } from '../notifications/notification-dispatcher';
import { AlertTransitionRecorder } from './alert-transition-recorder';
import { AlertTransition } from './alert.types';

/**
 * Alert transitions → notifications. Inside the transition's transaction the deliveries are written
 * (the outbox: a rolled-back transition notifies nobody, a committed one is never lost); after commit
 * their jobs are queued (the ids travel on the transition: this class keeps no state). What notifies: an alert opening (`triggered`; a silenced one is recorded as a
 * `suppressed` delivery and not sent), rising a priority step (`escalated`), and resolving (`cleared`,
 * `auto-resolved`), each when the alert's priority is within the config's `notifyMinPriority`.
 * Re-triggers and acknowledgements notify nobody: they would page people for what they already know.
 */
@Injectable()
export class AlertNotifier {
  constructor(
    private readonly dispatcher: NotificationDispatcher,
    recorder: AlertTransitionRecorder,
  ) {
    recorder.onRecorded((em, t) => this.plan(em, t));
    recorder.onCommitted((transitions) => this.enqueue(transitions));
  }

  private async plan(em: EntityManager, t: AlertTransition): Promise<void> {
    const event = notificationEvent(t);
    if (!event || !t.config.notificationChannelIds.length) return;
    const notification: AlertNotification = {
      workspaceId: t.alert.workspaceId,
      alertId: t.alert.id,
      event,
      causeId: t.entry.id,
      priority: t.alert.priority,
      channelIds: t.config.notificationChannelIds,
      notifyMaxPriority: t.config.notifyMinPriority,
      silenced: t.silenced,
      occurredAt: new Date(t.entry.at),
      payload: {
        workspaceId: t.alert.workspaceId,
        historyId: t.entry.id,
        action: t.action,
        actor: { kind: t.actor.kind, id: t.actor.id ?? null },
        alert: {
          id: t.alert.id,
          key: t.alert.key,
          name: t.config.name,
          priority: t.alert.priority,
          state: t.alert.state,
          instrumentId: t.alert.instrumentId,
          note: t.note ?? t.alert.note,
          triggerCount: t.alert.triggerCount,
          escalations: t.alert.escalations,
          display: t.config.display,
          openedAt: new Date(t.alert.openedAt).toISOString(),
          lastTriggeredAt: new Date(t.alert.lastTriggeredAt).toISOString(),
          resolvedAt: t.alert.resolvedAt ? new Date(t.alert.resolvedAt).toISOString() : null,
        },
      },
    };
    // on the transition itself: a rolled-back transaction drops them with it (no state is kept here)
    t.deliveryIds = await this.dispatcher.planForAlert(em, notification);
  }

  private async enqueue(transitions: AlertTransition[]): Promise<void> {
    const ids = transitions.flatMap((t) => t.deliveryIds);
    // a process that dies before this leaves the rows pending: the notifications sweep queues them
    await this.dispatcher.enqueue(ids);
  }
}

function notificationEvent(t: AlertTransition): AlertNotification['event'] | null {
  switch (t.action) {
    case 'triggered':
      return 'alert.triggered';
    case 'suppressed':
      // a silenced opening is recorded (as a suppressed delivery); a silenced re-trigger is not news
      return t.alert.triggerCount === 1 ? 'alert.triggered' : null;
    case 'escalated':
      return 'alert.escalated';
    case 'cleared':
    case 'auto-resolved':
      return 'alert.resolved';
    default:
      return null;
  }
}
