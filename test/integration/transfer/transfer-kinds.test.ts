import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { INestApplicationContext } from '@nestjs/common';
import Redis from 'ioredis';
import { MqttClient } from 'mqtt';
import { Client } from 'pg';
import { AlertRuleSweepService, ruleIndexVersionKey } from '../../../libs/domain/src';
import { connectMqtt } from '../../support/mqtt-test-client';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { createWorkspace, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';
import {
  ALL,
  documentOf,
  DocLine,
  exportWorkspace,
  importDocument,
  normalised,
  seedEveryKind,
  telemetryWindow,
  waitForJob,
} from './transfer-helpers';

const KINDS = ['notification-channels', 'alert-configs', 'alert-rules', 'schedules'];

/** Alert configs and rules, notification channels (without secrets) and schedules: export, import, re-import. */
describe('export and import of channels, alert configs and rules, schedules', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let pg: Client;
  let redis: Redis;
  let storageDir: string;
  let secret: string;
  let seeded: Awaited<ReturnType<typeof seedEveryKind>>;
  let ids: Record<string, string>;
  let doc: { gz: Buffer; lines: DocLine[] };
  let imported: string;
  let mqtt: MqttClient | undefined;

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-transfer-kinds-'));
    const env = { STORAGE_URL: `file://${storageDir}`, TELEMETRY_LINGER_MS: '5' };
    api = await startTestApi(env);
    worker = await startTestWorker(api, env);
    crew = await createWorkspaceCrew(api, 'Alerting lab');
    pg = new Client({ connectionString: api.dbUrl });
    await pg.connect();
    redis = new Redis(api.config.redis.url);
    seeded = await seedEveryKind(api, crew.owner, crew.workspaceId, 6);
    const ws = `/api/v1/workspaces/${crew.workspaceId}`;
    const post = async (path: string, body: Record<string, unknown>) => {
      const res = await api.request('POST', `${ws}${path}`, { token: crew.editor.token, body });
      if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    // a host that does not resolve is accepted (as on create): nothing is sent in this test
    const hook = await post('/notification-channels', {
      name: 'Ops hook',
      kind: 'webhook',
      url: 'https://hooks.labwire-import.invalid/alerts',
    });
    secret = hook.secret;
    expect(secret).toMatch(/^whsec_/);
    const mail = await post('/notification-channels', {
      name: 'Ops mail',
      kind: 'email',
      recipients: ['ops@example.org'],
    });
    const config = await post('/alert-configs', {
      key: 'ph-out',
      name: 'pH out of range',
      notificationChannelIds: [hook.id, mail.id],
      notifyMinPriority: 2,
    });
    const byInstrument = await post('/alert-rules', {
      name: 'pH high',
      scope: { instrumentId: seeded.instrument.id },
      metric: 'ph',
      condition: 'outside',
      range: { low: 6, high: 8 },
      forSeconds: 0,
      priority: 2,
      alertKey: 'ph-out',
    });
    const byLocation = await post('/alert-rules', {
      name: 'Lab quiet',
      kind: 'no_data',
      scope: { locationId: seeded.location.id },
      metric: 'ph',
      noDataSeconds: 600,
      alertKey: 'ph-quiet',
    });
    const classify = await post('/schedules', {
      name: 'Nightly topics',
      kind: 'classification',
      config: { schemeId: seeded.scheme.id, datasourceId: seeded.datasource.id, scope: 'new' },
      cron: '0 2 * * *',
      timezone: 'Europe/Berlin',
    });
    const telemetry = await post('/schedules', {
      name: 'Daily pH',
      kind: 'telemetry-export',
      config: { instrumentIds: [seeded.instrument.id], windowMs: 86_400_000 },
      intervalMs: 86_400_000,
    });
    // fires in the source workspace: the imported copy must not
    expect(classify.enabled).toBe(true);
    ids = {
      hook: hook.id,
      mail: mail.id,
      config: config.id,
      byInstrument: byInstrument.id,
      byLocation: byLocation.id,
      classify: classify.id,
      telemetry: telemetry.id,
    };
    // the rule has evaluated something: its state is not exported
    await pg.query(
      `INSERT INTO alert_rule_states (rule_id, instrument_id, workspace_id, phase, since) VALUES ($1, $2, $3, 'pending', now())`,
      [byInstrument.id, seeded.instrument.id, crew.workspaceId],
    );
    doc = await exportWorkspace(api, crew.editor, crew.workspaceId, {
      include: ['classification-schemes', 'datasources', ...KINDS],
    });
  });
  afterAll(async () => {
    await mqtt?.endAsync(true).catch(() => undefined);
    await redis?.quit();
    await pg?.end();
    await worker?.close();
    await api?.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  const rows = async (sql: string, params: unknown[]) => (await pg.query(sql, params)).rows;
  const count = async (table: string, workspaceId: string) =>
    (await rows(`SELECT count(*)::int AS n FROM ${table} WHERE workspace_id = $1`, [workspaceId]))[0].n;

  it('exports each kind in dependency order, with what it refers to, and never a secret', () => {
    const types = [...new Set(doc.lines.slice(1).map((l) => l.type))];
    expect(types).toEqual([
      'location',
      'instrument',
      'notification-channel',
      'alert-config',
      'alert-rule',
      'classification-scheme',
      'classification-scheme-version',
      'datasource',
      'datasource-file',
      'record',
      'schedule',
    ]);
    const of = (type: string) => doc.lines.filter((l) => l.type === type).map((l) => l.data as Record<string, any>);
    expect(of('notification-channel')).toEqual([
      expect.objectContaining({ id: ids.hook, kind: 'webhook', url: 'https://hooks.labwire-import.invalid/alerts' }),
      expect.objectContaining({ id: ids.mail, kind: 'email', recipients: ['ops@example.org'] }),
    ]);
    expect(of('alert-config')).toEqual([
      expect.objectContaining({ key: 'ph-out', notificationChannelIds: [ids.hook, ids.mail], notifyMinPriority: 2 }),
    ]);
    expect(of('alert-rule').map((r) => r.scope)).toEqual([
      { instrumentId: null, instrumentType: null, locationId: seeded.location.id },
      { instrumentId: seeded.instrument.id, instrumentType: null, locationId: null },
    ]);
    expect(of('schedule').map((s) => [s.name, s.enabled])).toEqual([
      ['Nightly topics', true],
      ['Daily pH', true],
    ]);
    // neither the secret nor its ciphertext, nor rule state, anywhere in the gunzipped document
    const text = gunzipSync(doc.gz).toString('utf8');
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(/secret|ciphertext|whsec_|"phase"|pending/i);
  });

  it('imports them remapped: channels without the old secret (webhooks disabled), schedules paused as the importer, rules idle and announced', async () => {
    const target = await createWorkspace(api, crew.owner, 'Alerting copy');
    imported = target;
    const versionKey = ruleIndexVersionKey(api.config.redis.prefix);
    const v0 = Number((await redis.get(versionKey)) ?? 0);
    const job = await importDocument(api, crew.owner, target, doc.gz);
    expect(job.status).toBe('succeeded');
    expect(job.result.written).toMatchObject({
      'notification-channel': 2,
      'alert-config': 1,
      'alert-rule': 2,
      schedule: 2,
    });
    expect(Number(await redis.get(versionKey))).toBeGreaterThan(v0);

    const channels = await rows(
      `SELECT id, name, kind, url, recipients, enabled, secret_ciphertext, created_by FROM notification_channels
        WHERE workspace_id = $1 ORDER BY name`,
      [target],
    );
    expect(channels.map((c) => [c.name, c.kind, c.enabled])).toEqual([
      ['Ops hook', 'webhook', false],
      ['Ops mail', 'email', true],
    ]);
    const original = await rows(`SELECT secret_ciphertext FROM notification_channels WHERE id = $1`, [ids.hook]);
    expect(channels[0].secret_ciphertext).toEqual(expect.any(String));
    expect(channels[0].secret_ciphertext).not.toBe(original[0].secret_ciphertext);
    expect(channels[0].created_by).toBe(crew.owner.id);
    expect(job.result.webhooksToRotate).toEqual([{ id: channels[0].id, name: 'Ops hook' }]);
    // the API shows the imported webhook as any other; a rotation gives a secret, then it can be enabled
    const hookUrl = `/api/v1/workspaces/${target}/notification-channels/${channels[0].id}`;
    const rotated = await api.request('POST', `${hookUrl}/rotate-secret`, { token: crew.owner.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(secret);

    const [config] = await rows(`SELECT key, notification_channel_ids FROM alert_configs WHERE workspace_id = $1`, [
      target,
    ]);
    expect(config.key).toBe('ph-out');
    expect([...config.notification_channel_ids].sort()).toEqual(channels.map((c) => c.id).sort());

    const [location] = await rows(`SELECT id FROM locations WHERE workspace_id = $1`, [target]);
    const [instrument] = await rows(`SELECT id FROM instruments WHERE workspace_id = $1 AND serial_number = 'PH-001'`, [
      target,
    ]);
    const rules = await rows(
      `SELECT id, name, kind, instrument_id, location_id, condition, low, high, no_data_seconds, alert_key
         FROM alert_rules WHERE workspace_id = $1 ORDER BY name`,
      [target],
    );
    expect(rules).toEqual([
      expect.objectContaining({ name: 'Lab quiet', kind: 'no_data', location_id: location.id, no_data_seconds: 600 }),
      expect.objectContaining({
        name: 'pH high',
        instrument_id: instrument.id,
        condition: 'outside',
        low: 6,
        high: 8,
        alert_key: 'ph-out',
      }),
    ]);
    expect(await count('alert_rule_states', target)).toBe(0);

    const schedules = await rows(
      `SELECT id, name, kind, config, cron, timezone, interval_ms, enabled, created_by, state FROM schedules
        WHERE workspace_id = $1 ORDER BY name`,
      [target],
    );
    const [scheme] = await rows(`SELECT id FROM classification_schemes WHERE workspace_id = $1`, [target]);
    const [datasource] = await rows(`SELECT id FROM datasources WHERE workspace_id = $1`, [target]);
    expect(schedules).toEqual([
      expect.objectContaining({
        name: 'Daily pH',
        config: expect.objectContaining({ instrumentIds: [instrument.id], windowMs: 86_400_000 }),
        enabled: false,
        created_by: crew.owner.id,
        state: {},
      }),
      expect.objectContaining({
        name: 'Nightly topics',
        config: { schemeId: scheme.id, datasourceId: datasource.id, scope: 'new' },
        cron: '0 2 * * *',
        timezone: 'Europe/Berlin',
        enabled: false,
        created_by: crew.owner.id,
      }),
    ]);
    expect(job.result.schedulesPaused.map((s: any) => s.name).sort()).toEqual(['Daily pH', 'Nightly topics']);
    const view = await api.request('GET', `/api/v1/workspaces/${target}/schedules/${schedules[1].id}`, {
      token: crew.owner.token,
    });
    expect(view.body).toMatchObject({ status: 'paused', enabled: false });

    // imported again: nothing more
    const before = await Promise.all(
      ['notification_channels', 'alert_configs', 'alert_rules', 'schedules'].map((t) => count(t, target)),
    );
    const again = await importDocument(api, crew.owner, target, doc.gz);
    expect(again.status).toBe('succeeded');
    expect(Object.values(again.result.written).reduce((a: number, b: any) => a + b, 0)).toBe(0);
    const after = await Promise.all(
      ['notification_channels', 'alert_configs', 'alert_rules', 'schedules'].map((t) => count(t, target)),
    );
    expect(after).toEqual(before);
  });

  it('round trip of every kind: imported and exported again, the same document apart from ids, times and what an import pauses', async () => {
    const window = telemetryWindow();
    const include = [...ALL, ...KINDS];
    const first = await exportWorkspace(api, crew.editor, crew.workspaceId, { include, telemetry: window });
    const target = await createWorkspace(api, crew.owner, 'Round trip of every kind');
    const job = await importDocument(api, crew.owner, target, first.gz);
    expect(job.status).toBe('succeeded');
    const again = await exportWorkspace(api, crew.owner, target, { include, telemetry: window });
    // webhooks come back disabled (their secret is new and unseen) and schedules paused, on purpose
    const paused = (lines: DocLine[]) =>
      lines.map((l) =>
        l.type === 'schedule' || (l.type === 'notification-channel' && l.data?.kind === 'webhook')
          ? { ...l, data: { ...l.data, enabled: false } }
          : l,
      );
    expect(normalised(again.lines)).toEqual(normalised(paused(first.lines)));
    const types = new Set(again.lines.map((l) => l.type));
    for (const type of ['notification-channel', 'alert-config', 'alert-rule', 'schedule', 'record', 'telemetry']) {
      expect(types).toContain(type);
    }
  });

  it("an old document's no-data rules count silence from the import, not from their first creation", async () => {
    // every time in the document two days old: the rules, the instruments, the locations
    const old = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const aged = doc.lines.map((l, i) =>
      i === 0 || !l.data || !('createdAt' in l.data) ? l : { ...l, data: { ...l.data, createdAt: old } },
    );
    const target = await createWorkspace(api, crew.owner, 'Old copy');
    const job = await importDocument(api, crew.owner, target, documentOf(aged));
    expect(job.status).toBe('succeeded');
    const imported = await rows(`SELECT created_at FROM alert_rules WHERE workspace_id = $1 AND kind = 'no_data'`, [
      target,
    ]);
    expect(imported).toHaveLength(1);
    expect(Date.now() - new Date(imported[0].created_at).getTime()).toBeLessThan(10 * 60_000);
    // a sweep now (600 s of silence allowed) raises nothing on the imported location's instruments
    await worker.get(AlertRuleSweepService).sweep();
    expect(await rows(`SELECT key FROM alerts WHERE workspace_id = $1`, [target])).toEqual([]);
  });

  it("the worker evaluates an imported rule: the imported instrument's reading out of range raises the alert", async () => {
    const [instrument] = await rows(`SELECT id FROM instruments WHERE workspace_id = $1 AND serial_number = 'PH-001'`, [
      imported,
    ]);
    const rotated = await api.request(
      'POST',
      `/api/v1/workspaces/${imported}/instruments/${instrument.id}/credentials/rotate`,
      { token: crew.owner.token },
    );
    expect(rotated.status).toBe(200);
    mqtt = await connectMqtt(api.config.mqtt.url, {
      username: instrument.id,
      password: rotated.body.mqttSecret,
      clientId: instrument.id,
    });
    await mqtt.publishAsync(
      `labwire/instruments/${instrument.id}/telemetry`,
      JSON.stringify({ ts: Date.now(), values: { ph: 9.5 } }),
      { qos: 1 },
    );
    const deadline = Date.now() + 60_000;
    let alerts: Array<{ state: string }> = [];
    while (!alerts.length) {
      if (Date.now() > deadline) throw new Error('the imported rule raised no alert');
      await new Promise((r) => setTimeout(r, 100));
      alerts = await rows(`SELECT state FROM alerts WHERE instrument_id = $1 AND key = 'ph-out'`, [instrument.id]);
    }
    expect(alerts).toHaveLength(1);
  });

  it('a clashing alert key is renamed to an alert key, and the rules raising it follow', async () => {
    const target = await createWorkspace(api, crew.owner, 'Key clash');
    const ws = `/api/v1/workspaces/${target}`;
    const mine = await api.request('POST', `${ws}/alert-configs`, {
      token: crew.owner.token,
      body: { key: 'ph-out', name: 'Someone else' },
    });
    expect(mine.status).toBe(201);
    const dry = await importDocument(api, crew.owner, target, doc.gz, { dryRun: 'true' });
    expect(dry.result.conflicts).toEqual([
      expect.objectContaining({ type: 'alert-config', field: 'key', value: 'ph-out' }),
    ]);
    const job = await importDocument(api, crew.owner, target, doc.gz, { onConflict: 'rename' });
    expect(job.status).toBe('succeeded');
    expect(job.result.renamed).toEqual([{ type: 'alert-config', from: 'ph-out', to: 'ph-out-imported' }]);
    const rules = await rows(`SELECT name, alert_key FROM alert_rules WHERE workspace_id = $1 ORDER BY name`, [target]);
    expect(rules).toEqual([
      { name: 'Lab quiet', alert_key: 'ph-quiet' },
      { name: 'pH high', alert_key: 'ph-out-imported' },
    ]);
  });

  it('reports bad lines of each kind by number, a loopback webhook among them (SSRF guard), and writes nothing', async () => {
    const target = await createWorkspace(api, crew.owner, 'Bad lines');
    const header = doc.lines[0];
    const bad = documentOf([
      header,
      { type: 'location', data: { id: 'loc', name: 'Room' } },
      {
        type: 'notification-channel',
        data: { id: 'c1', name: 'Loop', kind: 'webhook', url: 'http://127.0.0.1:9/x', enabled: true },
      },
      { type: 'notification-channel', data: { id: 'c2', name: 'Mail', kind: 'email', recipients: [], enabled: true } },
      {
        type: 'alert-config',
        data: {
          id: 'a1',
          key: 'Not A Key',
          name: 'x',
          defaultPriority: 3,
          notifyMinPriority: 5,
          display: { color: 'red', effect: 'steady' },
          notificationChannelIds: ['nope'],
        },
      },
      {
        type: 'alert-rule',
        data: { id: 'r1', name: 'r', scope: { locationId: 'loc' }, metric: 'ph', condition: 'above', alertKey: 'k' },
      },
      {
        type: 'alert-rule',
        data: { id: 'r2', name: 'r', scope: { instrumentId: 'ghost' }, kind: 'connectivity', alertKey: 'k' },
      },
      {
        type: 'schedule',
        data: {
          id: 's1',
          name: 's',
          kind: 'classification',
          config: { schemeId: 'ghost' },
          intervalMs: 5,
          enabled: true,
        },
      },
      {
        type: 'schedule',
        data: {
          id: 's2',
          name: 'f',
          kind: 'ingestion',
          config: { urls: ['ftp://example.org/x'], mode: 'append' },
          intervalMs: 3_600_000,
          enabled: true,
        },
      },
      { type: 'location', data: { id: 'loc2', name: 'Late' } },
    ]);
    const job = await importDocument(api, crew.owner, target, bad);
    expect(job.status).toBe('failed');
    const byRow = new Map<number, string[]>();
    for (const e of job.errors) byRow.set(e.row, [...(byRow.get(e.row) ?? []), e.message]);
    expect([...byRow.keys()].sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(byRow.get(3)?.join()).toMatch(/notification-channel: url .*refused/);
    expect(byRow.get(4)?.join()).toMatch(/recipients/);
    expect(byRow.get(5)?.join()).toMatch(/key "Not A Key" is not an alert key/);
    expect(byRow.get(5)?.join()).toMatch(/notificationChannelIds: nope/);
    expect(byRow.get(6)?.join()).toMatch(/alert-rule: threshold/);
    expect(byRow.get(7)?.join()).toMatch(/scope.instrumentId ghost/);
    expect(byRow.get(8)?.join()).toMatch(/schedule: intervalMs must be a whole number/);
    expect(byRow.get(8)?.join()).toMatch(/schedule: config.schemeId ghost is not a classification-scheme/);
    expect(byRow.get(8)?.join()).toMatch(/schedule: config.schemeId must be a UUID/);
    expect(byRow.get(9)?.join()).toMatch(/schedule: config.urls\[0\]/);
    expect(byRow.get(10)?.join()).toMatch(/must come before/);
    for (const table of ['locations', 'notification_channels', 'alert_configs', 'alert_rules', 'schedules']) {
      expect([table, await count(table, target)]).toEqual([table, 0]);
    }
  });

  it('an import share link of the workspace carries the same kinds but notification channels (URLs and recipients stay home)', async () => {
    const ws = `/api/v1/workspaces/${crew.workspaceId}`;
    const link = await api.request('POST', `${ws}/share-links`, {
      token: crew.owner.token,
      body: { kind: 'workspace', permission: 'import', expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(link.status).toBe(201);
    const target = await createWorkspace(api, crew.owner, 'Shared copy');
    const started = await api.request('POST', `/api/v1/workspaces/${target}/import`, {
      token: crew.owner.token,
      body: { shareToken: link.body.token },
    });
    expect(started.status).toBe(202);
    const job = await waitForJob(api, crew.owner, target, started.body.id);
    expect(job.status).toBe('succeeded');
    expect(job.result.written).toMatchObject({ 'alert-config': 1, 'alert-rule': 2, schedule: 2 });
    expect(job.result.written['notification-channel'] ?? 0).toBe(0);
    expect(await count('notification_channels', target)).toBe(0);
    expect(
      (await rows(`SELECT notification_channel_ids AS ids FROM alert_configs WHERE workspace_id = $1`, [target]))[0]
        .ids,
    ).toEqual([]);
    expect(
      (await rows(`SELECT count(*)::int AS n FROM schedules WHERE workspace_id = $1 AND enabled`, [target]))[0].n,
    ).toBe(0);
  });

  it('leaves out a schedule whose data source the document does not hold', async () => {
    const lone = await exportWorkspace(api, crew.editor, crew.workspaceId, { include: ['schedules'] });
    const schedules = lone.lines.filter((l) => l.type === 'schedule').map((l) => (l.data as any).name);
    // the classification schedule names a data source (not included); the telemetry one only instruments
    expect(schedules).toEqual(['Daily pH']);
    expect(lone.lines.some((l) => l.type === 'instrument')).toBe(true);
  });
});
