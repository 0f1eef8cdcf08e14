import { createHmac } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { waitFor } from '../../support/built-app';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { WebhookReceiver } from '../../support/webhook-receiver';
import { createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

interface Delivery {
  id: string;
  event: string;
  status: string;
  alertId: string | null;
  payload: { alert: { key: string; priority: number; state: string } };
}

describe('alert notifications', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let receiver: WebhookReceiver;
  let ws: string;
  let channel: { id: string; secret: string };

  beforeAll(async () => {
    api = await startTestApi({ NOTIFY_ALLOW_PRIVATE_NETWORKS: 'true' });
    worker = await startTestWorker(api, { NOTIFY_ALLOW_PRIVATE_NETWORKS: 'true' });
    crew = await createWorkspaceCrew(api, 'Paged lab');
    receiver = await WebhookReceiver.start();
    ws = `/api/v1/workspaces/${crew.workspaceId}`;
    const created = await api.request('POST', `${ws}/notification-channels`, {
      token: crew.editor.token,
      body: { name: 'Pager', kind: 'webhook', url: receiver.url('/pager') },
    });
    channel = created.body;
  });
  afterAll(async () => {
    await worker?.close();
    await receiver?.close();
    await api?.close();
  });

  async function config(key: string, extra: Record<string, unknown> = {}) {
    const res = await api.request('POST', `${ws}/alert-configs`, {
      token: crew.editor.token,
      body: { key, name: `Config ${key}`, notificationChannelIds: [channel.id], notifyMinPriority: 2, ...extra },
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  async function deliveries(alertId: string): Promise<Delivery[]> {
    const res = await api.request('GET', `${ws}/notification-channels/${channel.id}/deliveries`, {
      token: crew.viewer.token,
      query: { alertId, pageSize: 100 },
    });
    return res.body.items;
  }

  /** Waits until the alert's deliveries are `count` and none is pending. */
  async function settledDeliveries(alertId: string, count: number): Promise<Delivery[]> {
    let items: Delivery[] = [];
    await waitFor(
      async () => {
        items = await deliveries(alertId);
        return items.length === count && items.every((d) => d.status !== 'pending');
      },
      30_000,
      `${count} settled deliveries of alert ${alertId}`,
    );
    return items.reverse();
  }

  const trigger = (key: string, body: Record<string, unknown> = {}) =>
    api.request('POST', `${ws}/alerts/${key}/trigger`, { token: crew.editor.token, body });

  it('refuses an alert config naming a channel of another workspace or none', async () => {
    const other = await createWorkspaceCrew(api, 'Other lab');
    const foreign = await api.request('POST', `/api/v1/workspaces/${other.workspaceId}/notification-channels`, {
      token: other.owner.token,
      body: { name: 'Theirs', kind: 'email', recipients: ['x@lab.example'] },
    });
    const res = await api.request('POST', `${ws}/alert-configs`, {
      token: crew.editor.token,
      body: { key: 'foreign-channel', name: 'F', notificationChannelIds: [channel.id, foreign.body.id] },
    });
    expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(res.body.errors).toEqual([
      { field: 'notificationChannelIds[1]', message: expect.stringContaining('not a notification channel') },
    ]);
  });

  it('notifies an opening and a resolution, not re-triggers, with the alert in the signed body', async () => {
    await config('freezer.temp');
    const before = receiver.received.length;
    const opened = await trigger('freezer.temp', { priority: 1, note: 'door open' });
    expect(opened.status).toBe(200);
    const alertId = opened.body.alert.id;
    await trigger('freezer.temp', { note: 'still open' });
    await trigger('freezer.temp');
    const cleared = await api.request('POST', `${ws}/alerts/freezer.temp/clear`, {
      token: crew.editor.token,
      body: {},
    });
    expect(cleared.status).toBe(200);
    const items = await settledDeliveries(alertId, 2);
    expect(items.map((d) => [d.event, d.status])).toEqual([
      ['alert.triggered', 'succeeded'],
      ['alert.resolved', 'succeeded'],
    ]);
    expect(items[0].payload.alert).toMatchObject({ key: 'freezer.temp', priority: 1, state: 'active' });
    const posts = receiver.received.slice(before);
    expect(posts).toHaveLength(2);
    const body = posts[0].body;
    const ts = String(posts[0].headers['x-labwire-timestamp']);
    expect(posts[0].headers['x-labwire-signature']).toBe(
      `v1=${createHmac('sha256', channel.secret).update(`${ts}.${body}`).digest('hex')}`,
    );
    expect(JSON.parse(body)).toMatchObject({
      event: 'alert.triggered',
      alert: { key: 'freezer.temp', note: 'door open' },
    });
  });

  it('does not notify priorities less urgent than the config notifies', async () => {
    await config('fan.speed', { defaultPriority: 4 });
    const opened = await trigger('fan.speed');
    const alertId = opened.body.alert.id;
    // a delivery would be written in the trigger's own transaction: none exists once it answered
    expect(await deliveries(alertId)).toEqual([]);
  });

  it('records a silenced opening as a suppressed delivery, sends nothing, and keeps the history', async () => {
    await config('pump.pressure');
    const silence = await api.request('POST', `${ws}/alert-silences`, {
      token: crew.editor.token,
      body: { key: 'pump.pressure', endsAt: new Date(Date.now() + 3600_000).toISOString(), reason: 'pump swap' },
    });
    expect(silence.status).toBe(201);
    const before = receiver.received.length;
    const opened = await trigger('pump.pressure', { priority: 1 });
    const alertId = opened.body.alert.id;
    const items = await deliveries(alertId);
    expect(items.map((d) => [d.event, d.status])).toEqual([['alert.triggered', 'suppressed']]);
    const history = await api.request('GET', `${ws}/alerts/history`, {
      token: crew.viewer.token,
      query: { key: 'pump.pressure' },
    });
    expect(history.body.items.map((h: { action: string }) => h.action)).toContain('suppressed');
    expect(receiver.received.slice(before)).toHaveLength(0);
  });

  it('notifies an escalation once, and not after an acknowledge', async () => {
    await config('co2.level', { escalateAfter: 1, defaultPriority: 2 });
    const opened = await trigger('co2.level');
    const alertId = opened.body.alert.id;
    const items = await settledDeliveries(alertId, 2);
    expect(items.map((d) => [d.event, d.payload.alert.priority])).toEqual([
      ['alert.triggered', 2],
      ['alert.escalated', 1],
    ]);
    await config('o2.level', { escalateAfter: 2, defaultPriority: 2 });
    const second = await trigger('o2.level');
    const secondId = second.body.alert.id;
    const ack = await api.request('POST', `${ws}/alerts/${secondId}/acknowledge`, {
      token: crew.editor.token,
      body: {},
    });
    expect(ack.status).toBe(200);
    // past the escalation delay: still only the opening was notified
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await settledDeliveries(secondId, 1)).map((d) => d.event)).toEqual(['alert.triggered']);
  });
});
