import { EntityManager } from 'typeorm';
import { AlertNotification, NotificationDispatcher } from '../notifications/notification-dispatcher';
import { AlertNotifier } from './alert-notifier';
import {
  AlertTransitionListener,
  AlertTransitionRecordedListener,
  AlertTransitionRecorder,
} from './alert-transition-recorder';
import { Alert, AlertConfig, AlertTransition } from './alert.types';

/** Stands in for the recorder: holds the two hooks the notifier registers. */
class FakeRecorder {
  recorded?: AlertTransitionRecordedListener;
  committed?: AlertTransitionListener;
  onRecorded(listener: AlertTransitionRecordedListener): void {
    this.recorded = listener;
  }
  onCommitted(listener: AlertTransitionListener): void {
    this.committed = listener;
  }
}

/** Writes no rows: answers one delivery id per planned notification and remembers what was queued. */
class FakeDispatcher {
  planned: AlertNotification[] = [];
  queued: string[][] = [];
  async planForAlert(_em: EntityManager, n: AlertNotification): Promise<string[]> {
    this.planned.push(n);
    return [`delivery-of-${n.causeId}`];
  }
  async enqueue(ids: string[]): Promise<void> {
    this.queued.push(ids);
  }
}

const at = new Date('2026-12-04T10:00:00Z');
const config: AlertConfig = {
  id: 'c1',
  workspaceId: 'w1',
  key: 'door.open',
  name: 'Door open',
  description: null,
  defaultPriority: 2,
  display: { color: 'red', effect: 'blink' },
  autoResolveAfter: null,
  escalateAfter: null,
  notificationChannelIds: ['ch1'],
  notifyMinPriority: 5,
  createdAt: at,
  updatedAt: at,
};

function transition(historyId: string): AlertTransition {
  const alert: Alert = {
    id: `alert-${historyId}`,
    workspaceId: 'w1',
    key: 'door.open',
    instrumentId: null,
    state: 'active',
    priority: 2,
    note: null,
    triggerCount: 1,
    escalations: 0,
    openedAt: at,
    lastTriggeredAt: at,
    acknowledgedAt: null,
    resolvedAt: null,
    resolution: null,
    updatedAt: at,
  };
  return {
    action: 'triggered',
    alert,
    config,
    actor: { kind: 'system' },
    note: null,
    silenced: false,
    entry: {
      id: historyId,
      workspaceId: 'w1',
      alertId: alert.id,
      key: alert.key,
      instrumentId: null,
      action: 'triggered',
      state: 'active',
      priority: 2,
      note: null,
      actorKind: 'system',
      actorId: null,
      at,
    },
    deliveryIds: [],
  };
}

/** Every Map, Set or array the notifier holds, with its size: where planned work could pile up. */
function heldCollections(notifier: AlertNotifier): number[] {
  return Object.values(notifier as unknown as Record<string, unknown>)
    .filter((v) => v instanceof Map || v instanceof Set || Array.isArray(v))
    .map((v) => (v instanceof Map || v instanceof Set ? v.size : (v as unknown[]).length));
}

describe('AlertNotifier', () => {
  const em = {} as EntityManager;

  it('keeps the deliveries of a rolled-back transition nowhere, and queues those of a committed one', async () => {
    const recorder = new FakeRecorder();
    const dispatcher = new FakeDispatcher();
    const notifier = new AlertNotifier(
      dispatcher as unknown as NotificationDispatcher,
      recorder as unknown as AlertTransitionRecorder,
    );

    // planned inside a transaction that then rolls back: the recorder never calls `committed`
    const rolledBack = transition('h-rolled-back');
    await recorder.recorded!(em, rolledBack);
    expect(rolledBack.deliveryIds).toEqual(['delivery-of-h-rolled-back']);
    expect(heldCollections(notifier).every((size) => size === 0)).toBe(true);

    // a committed transition still notifies, and only with its own deliveries
    const committed = transition('h-committed');
    await recorder.recorded!(em, committed);
    await recorder.committed!([committed]);
    expect(dispatcher.queued).toEqual([['delivery-of-h-committed']]);
    expect(dispatcher.planned.map((n) => n.causeId)).toEqual(['h-rolled-back', 'h-committed']);
    expect(heldCollections(notifier).every((size) => size === 0)).toBe(true);
  });

  it('plans nothing for a transition that does not notify (a re-trigger)', async () => {
    const recorder = new FakeRecorder();
    const dispatcher = new FakeDispatcher();
    new AlertNotifier(dispatcher as unknown as NotificationDispatcher, recorder as unknown as AlertTransitionRecorder);
    const t = { ...transition('h-retrigger'), action: 'retriggered' as const };
    await recorder.recorded!(em, t);
    await recorder.committed!([t]);
    expect(t.deliveryIds).toEqual([]);
    expect(dispatcher.planned).toEqual([]);
    expect(dispatcher.queued).toEqual([[]]);
  });
});
