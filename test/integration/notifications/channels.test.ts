import { createHmac } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { NOTIFICATIONS_SWEEP_SCHEDULER_ID } from '../../../apps/worker/src/schedules/notifications-scheduler';
import { MaintenanceService, NotificationDeliveryService } from '../../../libs/domain/src';
import { JobName, JobProducer } from '../../../libs/queue/src';
import { waitFor } from '../../support/built-app';
import { describeRouteTable, ScopedRoute } from '../../support/route-table';
import { SmtpTestServer, startSmtpTestServer } from '../../support/smtp-test-server';
import { createUser, startTestApi, TestApi, TestUser } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { WebhookReceiver } from '../../support/webhook-receiver';
import { createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/** What a receiver does: recompute the signature over `<timestamp>.<body>` with its secret. */
function verify(secret: string, headers: Record<string, unknown>, body: string): boolean {
  const timestamp = String(headers['x-labwire-timestamp']);
  const expected = `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  return headers['x-labwire-signature'] === expected && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
}

describe('notification channels', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let receiver: WebhookReceiver;
  let ws: string;
  let smtp: SmtpTestServer;

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    const env = { NOTIFY_ALLOW_PRIVATE_NETWORKS: 'true', SMTP_URL: smtp.url, MAIL_FROM: 'Labwire <labwire@lab.test>' };
    api = await startTestApi(env);
    worker = await startTestWorker(api, env);
    crew = await createWorkspaceCrew(api, 'Notified lab');
    receiver = await WebhookReceiver.start();
    ws = `/api/v1/workspaces/${crew.workspaceId}`;
  });
  afterAll(async () => {
    await worker?.close();
    await receiver?.close();
    await api?.close();
    await smtp?.close();
  });

  async function webhook(name: string, owner: TestUser = crew.editor) {
    const res = await api.request('POST', `${ws}/notification-channels`, {
      token: owner.token,
      body: { name, kind: 'webhook', url: receiver.url(`/${encodeURIComponent(name)}`) },
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string; url: string };
  }

  async function settled(channelId: string, deliveryId: string) {
    let delivery: any;
    await waitFor(
      async () => {
        delivery = (
          await api.request('GET', `${ws}/notification-channels/${channelId}/deliveries/${deliveryId}`, {
            token: crew.viewer.token,
          })
        ).body;
        return delivery.status !== 'pending';
      },
      60_000,
      `delivery ${deliveryId} to end`,
    );
    return delivery;
  }

  it('shows a webhook secret once, keeps it out of reads, and shows viewers only the URL origin', async () => {
    const created = await webhook('Secret once');
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const asEditor = await api.request('GET', `${ws}/notification-channels/${created.id}`, {
      token: crew.editor.token,
    });
    expect(asEditor.status).toBe(200);
    expect(asEditor.body).not.toHaveProperty('secret');
    expect(asEditor.body).toMatchObject({ hasSecret: true, url: created.url, kind: 'webhook', enabled: true });
    const asViewer = await api.request('GET', `${ws}/notification-channels/${created.id}`, {
      token: crew.viewer.token,
    });
    expect(asViewer.body.url).toBe(`${new URL(created.url).origin}/…`);
    const list = await api.request('GET', `${ws}/notification-channels`, { token: crew.viewer.token });
    expect(JSON.stringify(list.body)).not.toContain(created.secret);
    const audit = await api.request('GET', `${ws}/audit-log`, {
      token: crew.owner.token,
      query: { entityId: created.id },
    });
    expect(audit.body.items[0]).toMatchObject({ action: 'create', entityType: 'notification_channel' });
    expect(JSON.stringify(audit.body)).not.toContain(created.secret);
  });

  it('refuses bad channels with field errors and stores nothing', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'No url', kind: 'webhook' }, 'url'],
      [{ name: 'Ftp', kind: 'webhook', url: 'ftp://files.example.com/x' }, 'url'],
      [{ name: 'Creds', kind: 'webhook', url: 'https://user:pw@hooks.example.com/x' }, 'url'],
      [{ name: 'Mail no one', kind: 'email', recipients: [] }, 'recipients'],
      [{ name: 'Mail bad', kind: 'email', recipients: ['not-an-address'] }, 'recipients[0]'],
      [{ name: 'Mixed', kind: 'email', recipients: ['a@lab.example'], url: 'https://x.example.com' }, 'url'],
      [{ name: 'Kind', kind: 'pager' }, 'kind'],
    ];
    for (const [body, field] of cases) {
      const res = await api.request('POST', `${ws}/notification-channels`, { token: crew.editor.token, body });
      expect([body.name, res.status, res.body.code]).toEqual([body.name, 400, 'VALIDATION_FAILED']);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const list = await api.request('GET', `${ws}/notification-channels`, { token: crew.editor.token });
    expect(list.body.items.map((c: { name: string }) => c.name)).not.toEqual(
      expect.arrayContaining(cases.map(([b]) => b.name)),
    );
    const dup = await api.request('POST', `${ws}/notification-channels`, {
      token: crew.editor.token,
      body: { name: 'Secret once', kind: 'email', recipients: ['a@lab.example'] },
    });
    expect([dup.status, dup.body.code]).toEqual([409, 'NOTIFICATION_CHANNEL_NAME_TAKEN']);
  });

  it('refuses a loopback webhook unless NOTIFY_ALLOW_PRIVATE_NETWORKS allows it (SSRF guard)', async () => {
    const guarded = await startTestApi();
    try {
      const owner = await createUser(guarded);
      const created = await guarded.request('POST', '/api/v1/workspaces', { token: owner.token, body: { name: 'G' } });
      for (const url of [receiver.url(), 'http://localhost:9/x', 'http://169.254.169.254/latest/meta-data']) {
        const res = await guarded.request('POST', `/api/v1/workspaces/${created.body.id}/notification-channels`, {
          token: owner.token,
          body: { name: `Guarded ${url}`, kind: 'webhook', url },
        });
        expect([url, res.status]).toEqual([url, 400]);
        expect(res.body.errors[0].message).toMatch(/NOTIFY_ALLOW_PRIVATE_NETWORKS/);
      }
    } finally {
      await guarded.close();
    }
  });

  it('signs deliveries, retries 500s with backoff and logs every attempt (500, 500, 200)', async () => {
    const channel = await webhook('Flaky receiver');
    receiver.answer(500, 500, 200);
    const before = receiver.received.length;
    const queued = await api.request('POST', `${ws}/notification-channels/${channel.id}/test`, {
      token: crew.editor.token,
    });
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ status: 'pending', event: 'test', channelId: channel.id });
    const delivery = await settled(channel.id, queued.body.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 3, lastStatusCode: 200, lastError: null });
    expect(delivery.attemptLog.map((a: { statusCode: number; ok: boolean }) => [a.statusCode, a.ok])).toEqual([
      [500, false],
      [500, false],
      [200, true],
    ]);
    for (const a of delivery.attemptLog) expect(a.latencyMs).toBeGreaterThanOrEqual(0);
    const got = receiver.received.slice(before);
    expect(got).toHaveLength(3);
    for (const r of got) {
      expect(verify(channel.secret, r.headers, r.body)).toBe(true);
      expect(r.headers['x-labwire-delivery']).toBe(queued.body.id);
      expect(r.headers['x-labwire-event']).toBe('test');
      expect(JSON.parse(r.body)).toMatchObject({ event: 'test', channel: { id: channel.id } });
    }
    // a tampered body or another secret does not verify
    expect(verify(channel.secret, got[0].headers, got[0].body.replace('test', 'tset'))).toBe(false);
    expect(verify('whsec_other', got[0].headers, got[0].body)).toBe(false);
    const log = await api.request('GET', `${ws}/notification-channels/${channel.id}/deliveries`, {
      token: crew.viewer.token,
      query: { status: 'succeeded' },
    });
    expect(log.body.items.map((d: { id: string }) => d.id)).toEqual([queued.body.id]);
  });

  it('gives up at once when the receiver refuses the delivery (410), and says why', async () => {
    const channel = await webhook('Gone receiver');
    receiver.answer(410);
    const queued = await api.request('POST', `${ws}/notification-channels/${channel.id}/test`, {
      token: crew.editor.token,
    });
    const delivery = await settled(channel.id, queued.body.id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 410 });
    expect(delivery.lastError).toMatch(/HTTP 410/);
    receiver.answer(200);
  });

  it('rotates the secret: later deliveries verify with the new one only', async () => {
    const channel = await webhook('Rotated');
    const rotated = await api.request('POST', `${ws}/notification-channels/${channel.id}/rotate-secret`, {
      token: crew.editor.token,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(channel.secret);
    const before = receiver.received.length;
    const queued = await api.request('POST', `${ws}/notification-channels/${channel.id}/test`, {
      token: crew.editor.token,
    });
    await settled(channel.id, queued.body.id);
    const [got] = receiver.received.slice(before);
    expect(verify(rotated.body.secret, got.headers, got.body)).toBe(true);
    expect(verify(channel.secret, got.headers, got.body)).toBe(false);
  });

  it('queues again a pending delivery whose job was lost (the sweep), and delivers it once', async () => {
    const channel = await webhook('Swept');
    const db = new Client({ connectionString: api.dbUrl });
    await db.connect();
    try {
      // a delivery committed by a process that died before queueing its job
      const [{ id }] = (
        await db.query(
          `INSERT INTO notification_deliveries (workspace_id, channel_id, event, payload, status, created_at)
           VALUES ($1, $2, 'test', '{"event":"test"}', 'pending', now() - interval '5 minutes') RETURNING id`,
          [crew.workspaceId, channel.id],
        )
      ).rows;
      const before = receiver.received.length;
      const sweeper = worker.get(NotificationDeliveryService);
      // (the scheduled sweep may get there first: either way it is delivered once)
      await sweeper.sweep();
      const delivery = await settled(channel.id, id);
      expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 });
      // sweeping again finds nothing pending and sends nothing twice
      await sweeper.sweep();
      expect(receiver.received.slice(before).filter((r) => r.headers['x-labwire-delivery'] === id)).toHaveLength(1);
    } finally {
      await db.end();
    }
  });

  it('mails email channels through the one mailer, retrying when the SMTP server refuses', async () => {
    const created = await api.request('POST', `${ws}/notification-channels`, {
      token: crew.editor.token,
      body: { name: 'Night shift', kind: 'email', recipients: ['Night.Shift@lab.test', 'night.shift@lab.test'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ recipients: ['night.shift@lab.test'], secret: null, hasSecret: false });
    smtp.refuseNext(1);
    const queued = await api.request('POST', `${ws}/notification-channels/${created.body.id}/test`, {
      token: crew.editor.token,
    });
    const delivery = await settled(created.body.id, queued.body.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(delivery.attemptLog[0].error).toMatch(/could not be sent/);
    const mail = await smtp.waitFor('night.shift@lab.test');
    expect(mail.subject).toBe('[Labwire] Test notification');
    expect(mail.text).toContain('A test notification from Labwire');
    expect(smtp.mailsTo('night.shift@lab.test')).toHaveLength(1);
  });

  it('lets editors update and disable a channel, with validation of the new target', async () => {
    const channel = await webhook('Editable');
    const bad = await api.request('PATCH', `${ws}/notification-channels/${channel.id}`, {
      token: crew.editor.token,
      body: { url: 'gopher://old.example' },
    });
    expect([bad.status, bad.body.errors[0].field]).toEqual([400, 'url']);
    const ok = await api.request('PATCH', `${ws}/notification-channels/${channel.id}`, {
      token: crew.editor.token,
      body: { enabled: false, url: receiver.url('/moved') },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ enabled: false, url: receiver.url('/moved'), version: 2 });
    const del = await api.request('DELETE', `${ws}/notification-channels/${channel.id}`, { token: crew.editor.token });
    expect(del.status).toBe(204);
    const gone = await api.request('GET', `${ws}/notification-channels/${channel.id}`, { token: crew.editor.token });
    expect([gone.status, gone.body.code]).toEqual([404, 'NOTIFICATION_CHANNEL_NOT_FOUND']);
  });

  it('purges finished deliveries past ALERT_HISTORY_RETENTION, never pending ones', async () => {
    // the sweep would deliver the old pending row below: this test keeps it pending
    await worker.get(JobProducer).unschedule(JobName.NotificationsSweep, NOTIFICATIONS_SWEEP_SCHEDULER_ID);
    const channel = await webhook('Purged');
    const queued = await api.request('POST', `${ws}/notification-channels/${channel.id}/test`, {
      token: crew.editor.token,
    });
    await settled(channel.id, queued.body.id);
    const db = new Client({ connectionString: api.dbUrl });
    await db.connect();
    try {
      const pending = (
        await db.query(
          `INSERT INTO notification_deliveries (workspace_id, channel_id, event, payload, status)
           VALUES ($1, $2, 'test', '{}', 'pending') RETURNING id`,
          [crew.workspaceId, channel.id],
        )
      ).rows[0].id;
      // the finished delivery is made older than the default 365 days of retention
      await db.query(`UPDATE notification_deliveries SET created_at = now() - interval '400 days' WHERE id = $1`, [
        queued.body.id,
      ]);
      await db.query(`UPDATE notification_deliveries SET created_at = now() - interval '400 days' WHERE id = $1`, [
        pending,
      ]);
      const report = await worker.get(MaintenanceService).purge(new Date());
      expect(report.notificationDeliveries).toBeGreaterThanOrEqual(1);
      const left = await db.query('SELECT id FROM notification_deliveries WHERE channel_id = $1', [channel.id]);
      expect(left.rows.map((r) => r.id)).toEqual([pending]);
      expect(
        (await db.query('SELECT 1 FROM notification_attempts WHERE delivery_id = $1', [queued.body.id])).rowCount,
      ).toBe(0);
      await db.query('DELETE FROM notification_deliveries WHERE id = $1', [pending]);
    } finally {
      await db.end();
    }
  });

  let routeChannelId: string;
  describeRouteTable(
    'notification channels',
    async () => {
      routeChannelId = (await webhook('Route table')).id;
      const c = `${ws}/notification-channels`;
      const routes: ScopedRoute[] = [
        { method: 'GET', path: c, role: 'viewer' },
        { method: 'POST', path: c, role: 'editor', body: { name: 'RT', kind: 'email', recipients: ['a@lab.example'] } },
        { method: 'GET', path: `${c}/${routeChannelId}`, role: 'viewer' },
        { method: 'PATCH', path: `${c}/${routeChannelId}`, role: 'editor', body: { name: 'RT renamed' } },
        { method: 'POST', path: `${c}/${routeChannelId}/rotate-secret`, role: 'editor' },
        { method: 'POST', path: `${c}/${routeChannelId}/test`, role: 'editor' },
        { method: 'GET', path: `${c}/${routeChannelId}/deliveries`, role: 'viewer' },
        { method: 'DELETE', path: `${c}/${routeChannelId}`, role: 'editor' },
      ];
      return { api, crew, admin: await createUser(api, { role: 'admin' }), routes };
    },
    async () => {
      const [channels, deliveries] = await Promise.all([
        api.request('GET', `${ws}/notification-channels`, { token: crew.owner.token, query: { pageSize: 500 } }),
        api.request('GET', `${ws}/notification-channels/${routeChannelId}/deliveries`, { token: crew.owner.token }),
      ]);
      return { channels: channels.body, deliveries: deliveries.body.total };
    },
  );
});
