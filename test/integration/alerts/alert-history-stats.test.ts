import { DataSource } from 'typeorm';
import { SseTestClient } from '../../support/sse-client';
import { createUser, startTestApi, TestApi } from '../../support/test-app';
import { addMember, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

const S = 1000;

/** Alert history (filters, CSV), stats on a known data set, and the workspace's alert event stream. */
describe('alert history, stats and events', () => {
  let api: TestApi;
  let crew: WorkspaceCrew;
  let ds: DataSource;
  let baseUrl: string;
  const clients: SseTestClient[] = [];
  const path = (c: WorkspaceCrew) => `/api/v1/workspaces/${c.workspaceId}`;

  beforeAll(async () => {
    api = await startTestApi({ LOGIN_IP_LIMIT_PER_MINUTE: '1000' });
    crew = await createWorkspaceCrew(api, 'History lab');
    ds = api.app.get(DataSource);
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = await api.app.getUrl();
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await api?.close();
  });

  describe('stats', () => {
    let stats: WorkspaceCrew;
    const t0 = new Date(Date.now() - 2 * 86400_000);
    const at = (seconds: number) => new Date(t0.getTime() + seconds * S);

    beforeAll(async () => {
      stats = await createWorkspaceCrew(api, 'Stats lab');
      const rows: Array<[string, number, number, number, number | null, number | null]> = [
        // key, priority, opened (s), trigger count, acknowledged (s), resolved (s)
        ['k1', 2, 0, 3, 60, 120],
        ['k1', 2, 1000, 1, 1030, 1300], // re-opened 880 s after the first was resolved: flapping
        ['k2', 4, 2000, 2, null, 2600],
        ['k2', 4, 3000, 1, null, null], // 400 s after the previous: flapping; still open
        ['k3', 1, -86400, 1, null, null], // opened before the window, still open
      ];
      for (const [key, priority, opened, count, acked, resolved] of rows) {
        await ds.query(
          `INSERT INTO alerts (workspace_id, key, state, priority, trigger_count, opened_at, last_triggered_at,
                               acknowledged_at, resolved_at, resolution)
           VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9)`,
          [
            stats.workspaceId,
            key,
            resolved !== null ? 'resolved' : acked !== null ? 'acknowledged' : 'active',
            priority,
            count,
            at(opened),
            acked === null ? null : at(acked),
            resolved === null ? null : at(resolved),
            resolved === null ? null : 'cleared',
          ],
        );
        for (let i = 0; i < count; i++) {
          await ds.query(
            `INSERT INTO alert_history (workspace_id, key, action, actor_kind, at) VALUES ($1, $2, $3, 'system', $4)`,
            [stats.workspaceId, key, i === 0 ? 'triggered' : 'retriggered', at(opened + i)],
          );
        }
      }
    });

    it('counts, open now, mean and p90 times, flapping and the noisiest keys over the window', async () => {
      const res = await api.request('GET', `${path(stats)}/alerts/stats`, {
        token: stats.viewer.token,
        query: { from: at(-1).toISOString(), to: at(4000).toISOString() },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        from: at(-1).toISOString(),
        to: at(4000).toISOString(),
        opened: 4,
        triggers: 7,
        acknowledged: 2,
        resolved: 3,
        // acknowledged after 60 and 30 s: p90 interpolates 30 + 0.9 × 30
        timeToAcknowledge: { count: 2, meanSeconds: 45, p90Seconds: 57 },
        // resolved after 120, 300 and 600 s: p90 = 300 + 0.8 × 300
        timeToResolve: { count: 3, meanSeconds: 340, p90Seconds: 540 },
        flapping: 2,
        openNow: { total: 2, active: 2, acknowledged: 0 },
        transitions: { triggered: 4, retriggered: 3 },
        noisiestKeys: [
          { key: 'k1', triggers: 4 },
          { key: 'k2', triggers: 3 },
        ],
        groupBy: null,
        groups: [],
      });
    });

    it('groups by key, priority and instrument', async () => {
      const query = { from: at(-1).toISOString(), to: at(4000).toISOString() };
      const byKey = await api.request('GET', `${path(stats)}/alerts/stats`, {
        token: stats.viewer.token,
        query: { ...query, groupBy: 'key' },
      });
      expect(byKey.body.groups).toEqual([
        {
          group: 'k1',
          opened: 2,
          triggers: 4,
          acknowledged: 2,
          resolved: 2,
          timeToAcknowledge: { count: 2, meanSeconds: 45, p90Seconds: 57 },
          timeToResolve: { count: 2, meanSeconds: 210, p90Seconds: 282 },
          flapping: 1,
        },
        {
          group: 'k2',
          opened: 2,
          triggers: 3,
          acknowledged: 0,
          resolved: 1,
          timeToAcknowledge: { count: 0, meanSeconds: null, p90Seconds: null },
          timeToResolve: { count: 1, meanSeconds: 600, p90Seconds: 600 },
          flapping: 1,
        },
      ]);
      const byPriority = await api.request('GET', `${path(stats)}/alerts/stats`, {
        token: stats.viewer.token,
        query: { ...query, groupBy: 'priority' },
      });
      expect(byPriority.body.groups.map((g: any) => [g.group, g.opened])).toEqual([
        ['2', 2],
        ['4', 2],
      ]);
      const byInstrument = await api.request('GET', `${path(stats)}/alerts/stats`, {
        token: stats.viewer.token,
        query: { ...query, groupBy: 'instrument' },
      });
      expect(byInstrument.body.groups.map((g: any) => [g.group, g.opened])).toEqual([[null, 4]]);
    });

    it('refuses a bad window or grouping (400)', async () => {
      for (const query of [
        { groupBy: 'colour' },
        { from: 'yesterday' },
        { from: at(10).toISOString(), to: at(0).toISOString() },
      ] as Array<Record<string, string>>) {
        const res = await api.request('GET', `${path(stats)}/alerts/stats`, { token: stats.viewer.token, query });
        expect([JSON.stringify(query), res.status, res.body.code]).toEqual([
          JSON.stringify(query),
          400,
          'VALIDATION_FAILED',
        ]);
      }
    });
  });

  describe('history', () => {
    it('filters, pages and exports CSV with formula-like notes neutralised', async () => {
      const ws = path(crew);
      const t = (key: string, note?: string) =>
        api.request('POST', `${ws}/alerts/${key}/trigger`, { token: crew.editor.token, body: note ? { note } : {} });
      await t('csv-a', '=HYPERLINK("http://evil")');
      await t('csv-a', 'temp 8,5 °C');
      await t('csv-b');
      await api.request('POST', `${ws}/alerts/csv-a/clear`, { token: crew.editor.token, body: {} });
      const page = await api.request('GET', `${ws}/alerts/history`, {
        token: crew.viewer.token,
        query: { key: 'csv-a', pageSize: 2 },
      });
      expect(page.body).toMatchObject({ total: 3, page: 1, pageSize: 2, totalPages: 2 });
      expect(page.body.items.map((e: any) => e.action)).toEqual(['cleared', 'retriggered']);
      const cleared = await api.request('GET', `${ws}/alerts/history`, {
        token: crew.viewer.token,
        query: { action: 'cleared,acknowledged' },
      });
      expect(cleared.body.items.map((e: any) => e.key)).toEqual(['csv-a']);
      const bad = await api.request('GET', `${ws}/alerts/history`, {
        token: crew.viewer.token,
        query: { action: 'exploded' },
      });
      expect(bad.status).toBe(400);

      const csv = await api.request('GET', `${ws}/alerts/history/export`, {
        token: crew.viewer.token,
        query: { key: 'csv-a' },
      });
      expect(csv.status).toBe(200);
      expect(String(csv.headers['content-type'])).toMatch(/^text\/csv/);
      const lines = String(csv.body).trimEnd().split('\r\n');
      expect(lines[0]).toBe('at,alert_id,key,instrument_id,action,state,priority,note,actor_kind,actor_id');
      expect(lines).toHaveLength(4);
      expect(lines[1]).toContain(`,csv-a,,triggered,active,3,"'=HYPERLINK(""http://evil"")",user,${crew.editor.id}`);
      expect(lines[2]).toContain(',retriggered,active,3,"temp 8,5 °C",user,');
      expect(lines[3]).toContain(',cleared,resolved,3,,user,');
    });
  });

  describe('events', () => {
    it('streams the current alert, then every transition; ends when the member is removed', async () => {
      const u = await createUser(api);
      await addMember(api, crew.owner, crew.workspaceId, u, 'viewer');
      const stream = await SseTestClient.connect(`${baseUrl}${path(crew)}/alerts/events`, {
        authorization: `Bearer ${u.token}`,
      });
      clients.push(stream);
      expect(stream.status).toBe(200);
      await stream.next((e) => e.event === 'current');
      await api.request('POST', `${path(crew)}/alerts/sse-key/trigger`, {
        token: crew.editor.token,
        body: { priority: 2, note: 'hello' },
      });
      const event = JSON.parse((await stream.next((e) => e.event === 'alert')).data);
      expect(event).toMatchObject({
        action: 'triggered',
        silenced: false,
        actor: { kind: 'user', id: crew.editor.id },
        note: 'hello',
        alert: { key: 'sse-key', priority: 2, state: 'active' },
      });
      // another workspace's alerts are not in this stream
      const other = await createWorkspaceCrew(api, 'Other');
      await api.request('POST', `${path(other)}/alerts/elsewhere/trigger`, { token: other.owner.token, body: {} });
      await api.request('POST', `${path(crew)}/alerts/sse-key/clear`, { token: crew.editor.token, body: {} });
      await stream.next((e) => e.event === 'alert' && JSON.parse(e.data).action === 'cleared');
      expect(stream.events.some((e) => e.data.includes('elsewhere'))).toBe(false);
      // losing access ends the stream
      expect((await api.request('DELETE', `${path(crew)}/members/${u.id}`, { token: crew.owner.token })).status).toBe(
        204,
      );
      await stream.next((e) => e.event === 'revoked', 10_000);
      await stream.until(() => stream.ended, 10_000);
    });
  });
});
