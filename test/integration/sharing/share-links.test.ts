import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { describeRouteTable } from '../../support/route-table';
import { createUser, startTestApi, TestApi, TestUser } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { addMember, createWorkspace, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';
import { seedEveryKind, waitForJob } from '../transfer/transfer-helpers';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** Share links: created by members, used without an account, scoped to what they share. */
describe('share links', () => {
  let api: TestApi;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let pg: Client;
  let storageDir: string;
  let seed: Awaited<ReturnType<typeof seedEveryKind>>;
  /** a second data source of the same workspace, which a data source link must not show */
  let otherDatasourceId: string;
  const base = () => `/api/v1/workspaces/${crew.workspaceId}`;

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-share-'));
    const env = { STORAGE_URL: `file://${storageDir}` };
    api = await startTestApi(env);
    worker = await startTestWorker(api, env);
    crew = await createWorkspaceCrew(api, 'Shared lab');
    pg = new Client({ connectionString: api.dbUrl });
    await pg.connect();
    seed = await seedEveryKind(api, crew.owner, crew.workspaceId, 12);
    const other = await api.request('POST', `${base()}/datasources`, {
      token: crew.editor.token,
      body: { type: 'text', text: 'secret plans\nmore secret plans', name: 'Private notes' },
    });
    otherDatasourceId = other.body.id;
    await waitForJob(api, crew.editor, crew.workspaceId, other.body.lastJobId);
  });
  afterAll(async () => {
    await pg?.end();
    await worker?.close();
    await api?.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  const share = async (body: Record<string, unknown>, user: TestUser = crew.editor) => {
    const res = await api.request('POST', `${base()}/share-links`, {
      token: user.token,
      body: { permission: 'view', expiresAt: inDays(7), ...body },
    });
    if (res.status !== 201) throw new Error(`share: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string; token: string; url: string };
  };
  const shared = (token: string, path = '') => api.request('GET', `/api/v1/shared/${token}${path}`);
  const targets = () => ({
    workspace: { kind: 'workspace' },
    datasource: { kind: 'datasource', targetId: seed.datasource.id },
    classification_scheme: { kind: 'classification_scheme', targetId: seed.scheme.id },
    classification_job: { kind: 'classification_job', targetId: seed.job.id },
  });

  it('creates a link whose token is shown once and stored hashed; lists and gets it without the token', async () => {
    const link = await share({ kind: 'datasource', targetId: seed.datasource.id, maxUses: 5 });
    expect(link.token).toMatch(/^lwsh_/);
    expect(link.url).toBe(`/api/v1/shared/${link.token}`);
    const stored = await pg.query(`SELECT token_hash FROM share_links WHERE id = $1`, [link.id]);
    expect(stored.rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored.rows)).not.toContain(link.token);
    const list = await api.request('GET', `${base()}/share-links`, { token: crew.viewer.token });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(link.token);
    const one = list.body.items.find((l: any) => l.id === link.id);
    expect(one).toMatchObject({ kind: 'datasource', permission: 'view', status: 'active', uses: 0, maxUses: 5 });
  });

  it('refuses an expiry past 90 days or in the past, a target of another workspace, and workspace links by editors', async () => {
    const far = await api.request('POST', `${base()}/share-links`, {
      token: crew.editor.token,
      body: { kind: 'datasource', targetId: seed.datasource.id, permission: 'view', expiresAt: inDays(91) },
    });
    expect([far.status, far.body.errors?.[0]?.field]).toEqual([400, 'expiresAt']);
    const past = await api.request('POST', `${base()}/share-links`, {
      token: crew.editor.token,
      body: { kind: 'datasource', targetId: seed.datasource.id, permission: 'view', expiresAt: inDays(-1) },
    });
    expect(past.status).toBe(400);
    const elsewhere = await createWorkspace(api, crew.outsider, 'Elsewhere');
    const theirs = await api.request('POST', `/api/v1/workspaces/${elsewhere}/datasources`, {
      token: crew.outsider.token,
      body: { type: 'text', text: 'theirs', name: 'Theirs' },
    });
    const foreign = await api.request('POST', `${base()}/share-links`, {
      token: crew.editor.token,
      body: { kind: 'datasource', targetId: theirs.body.id, permission: 'view', expiresAt: inDays(1) },
    });
    expect(foreign.status).toBe(400);
    const ws = await api.request('POST', `${base()}/share-links`, {
      token: crew.editor.token,
      body: { kind: 'workspace', permission: 'view', expiresAt: inDays(1) },
    });
    expect(ws.status).toBe(403);
  });

  it.each(['workspace', 'datasource', 'classification_scheme', 'classification_job'] as const)(
    'a view link to a %s is read without an account',
    async (kind) => {
      const link = await share(targets()[kind], crew.owner);
      const root = await shared(link.token);
      expect(root.status).toBe(200);
      expect(root.body).toMatchObject({ kind, permission: 'view' });
      const read = {
        workspace: `/datasources/${seed.datasource.id}`,
        datasource: `/datasources/${seed.datasource.id}`,
        classification_scheme: `/classification-schemes/${seed.scheme.id}`,
        classification_job: `/classification-jobs/${seed.job.id}/results`,
      }[kind];
      const item = await shared(link.token, read);
      expect(item.status).toBe(200);
      if (kind === 'classification_job') expect(item.body.total).toBe(12);
      // a view link does not import
      const target = await createWorkspace(api, crew.outsider, `View ${kind}`);
      const imp = await api.request('POST', `/api/v1/workspaces/${target}/import`, {
        token: crew.outsider.token,
        body: { shareToken: link.token },
      });
      expect([imp.status, imp.body.code]).toEqual([404, 'SHARE_LINK_NOT_FOUND']);
    },
  );

  it.each([
    ['workspace', { location: 1, instrument: 2, record: 14 }],
    ['datasource', { datasource: 1, record: 12 }],
    ['classification_scheme', { 'classification-scheme': 1 }],
    ['classification_job', { 'classification-job': 1, 'classification-result': 12, record: 12 }],
  ] as const)(
    'an import link to a %s imports it into a workspace where the holder is an editor',
    async (kind, written) => {
      const link = await share({ ...targets()[kind], permission: 'import' }, crew.owner);
      const holder = await createUser(api);
      const target = await createWorkspace(api, crew.outsider, `Import ${kind}`);
      await addMember(api, crew.outsider, target, holder, 'viewer');
      const asViewer = await api.request('POST', `/api/v1/workspaces/${target}/import`, {
        token: holder.token,
        body: { shareToken: link.token },
      });
      expect(asViewer.status).toBe(403);
      const started = await api.request('POST', `/api/v1/workspaces/${target}/import`, {
        token: crew.outsider.token,
        body: { shareToken: link.token },
      });
      expect(started.status).toBe(202);
      const job = await waitForJob(api, crew.outsider, target, started.body.id);
      expect(job.status).toBe('succeeded');
      expect(job.result.written).toMatchObject(written);
      // imported again through the same link: nothing twice
      const again = await api.request('POST', `/api/v1/workspaces/${target}/import`, {
        token: crew.outsider.token,
        body: { shareToken: link.token },
      });
      const second = await waitForJob(api, crew.outsider, target, again.body.id);
      expect(Object.values(second.result.written).reduce((a: number, b: any) => a + b, 0)).toBe(0);
    },
  );

  it('answers the same 404 to unknown, expired, revoked and used-up tokens, and counts and audits each use', async () => {
    const unknown = await shared('lwsh_nosuchtoken');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'SHARE_LINK_NOT_FOUND']);

    const expired = await share({ kind: 'datasource', targetId: seed.datasource.id });
    expect((await shared(expired.token)).status).toBe(200);
    await pg.query(`UPDATE share_links SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.id]);
    const gone = await shared(expired.token);
    expect([gone.status, gone.body.code, gone.body.detail]).toEqual([404, 'SHARE_LINK_NOT_FOUND', unknown.body.detail]);

    const revoked = await share({ kind: 'datasource', targetId: seed.datasource.id });
    expect((await shared(revoked.token)).status).toBe(200);
    const del = await api.request('DELETE', `${base()}/share-links/${revoked.id}`, { token: crew.editor.token });
    expect([del.status, del.body.status]).toEqual([200, 'revoked']);
    expect((await shared(revoked.token)).body.detail).toBe(unknown.body.detail);

    const limited = await share({ kind: 'datasource', targetId: seed.datasource.id, maxUses: 2 });
    expect((await shared(limited.token)).status).toBe(200);
    expect((await shared(limited.token, '/records')).status).toBe(200);
    const used = await shared(limited.token);
    expect([used.status, used.body.detail]).toEqual([404, unknown.body.detail]);
    const status = await api.request('GET', `${base()}/share-links/${limited.id}`, { token: crew.viewer.token });
    expect(status.body).toMatchObject({ uses: 2, status: 'used_up' });
    const audit = await pg.query(
      `SELECT count(*)::int AS n FROM audit_entries WHERE entity_id = $1 AND entity_type = 'share_link'
          AND action = 'update' AND actor_user_id IS NULL`,
      [limited.id],
    );
    expect(audit.rows[0].n).toBe(2);
  });

  it('a shared data source exposes its records and nothing else of the workspace', async () => {
    const link = await share({ kind: 'datasource', targetId: seed.datasource.id });
    const t = link.token;
    // every /shared route: what a data source link answers
    const table: Array<[string, number]> = [
      ['', 200],
      ['/datasources', 200],
      [`/datasources/${seed.datasource.id}`, 200],
      [`/datasources/${otherDatasourceId}`, 404],
      ['/records', 200],
      [`/records?datasourceId=${seed.datasource.id}`, 200],
      [`/records?datasourceId=${otherDatasourceId}`, 404],
      [`/classification-schemes/${seed.scheme.id}`, 404],
      [`/classification-jobs/${seed.job.id}`, 404],
      [`/classification-jobs/${seed.job.id}/results`, 404],
      ['/locations', 404],
      ['/instruments', 404],
      ['/datasources/not-a-uuid', 404],
    ];
    const bodies: string[] = [];
    for (const [path, status] of table) {
      const res = await shared(t, path);
      expect([path, res.status]).toEqual([path, status]);
      if (status === 404) expect(res.body.code).toBe('SHARE_LINK_NOT_FOUND');
      bodies.push(JSON.stringify(res.body));
    }
    const all = bodies.join('\n');
    expect(all).not.toContain(otherDatasourceId);
    expect(all).not.toContain('secret plans');
    expect(all).not.toContain('@lab.test');
    const list = await shared(t, '/datasources');
    expect(list.body).toMatchObject({ total: 1, items: [{ id: seed.datasource.id }] });
    const records = await shared(t, '/records?pageSize=500');
    expect(records.body.total).toBe(12);
    expect(records.body.items.every((r: any) => r.datasourceId === seed.datasource.id)).toBe(true);
  });

  it('a workspace link shows the workspace (no member emails, no secrets)', async () => {
    const link = await share({ kind: 'workspace' }, crew.owner);
    for (const path of [
      '',
      '/datasources',
      '/records',
      '/locations',
      '/instruments',
      `/classification-jobs/${seed.job.id}`,
    ]) {
      const res = await shared(link.token, path);
      expect([path, res.status]).toEqual([path, 200]);
      expect(JSON.stringify(res.body)).not.toMatch(/@lab\.test|secret"|apiKey"/);
    }
  });

  it('limits requests per client address', async () => {
    const limited = await startTestApi({ SHARE_LINK_RATE_LIMIT_PER_MINUTE: '3' }, { databaseUrl: api.dbUrl });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await limited.request('GET', '/api/v1/shared/lwsh_nosuchtoken')).status);
      expect(statuses).toEqual([404, 404, 404, 429]);
    } finally {
      await limited.close();
    }
  });

  it('describes /shared routes with their own tag and no security in OpenAPI', async () => {
    const doc = (await api.request('GET', '/openapi.json')).body;
    const sharedPaths = Object.entries(doc.paths as Record<string, Record<string, any>>).filter(([p]) =>
      p.startsWith('/api/v1/shared/'),
    );
    expect(sharedPaths.length).toBeGreaterThanOrEqual(9);
    for (const [, ops] of sharedPaths) {
      for (const op of Object.values(ops)) expect([op.tags, op.security]).toEqual([['shared'], []]);
    }
  });
});

describe('share link routes', () => {
  let api: TestApi;
  let crew: WorkspaceCrew;
  let linkId: string;
  describeRouteTable(
    'share-links',
    async () => {
      api = await startTestApi();
      crew = await createWorkspaceCrew(api);
      const admin = await createUser(api, { role: 'admin' });
      const base = `/api/v1/workspaces/${crew.workspaceId}`;
      const created = await api.request('POST', `${base}/share-links`, {
        token: crew.owner.token,
        body: { kind: 'workspace', permission: 'view', expiresAt: inDays(1) },
      });
      linkId = created.body.id;
      return {
        api,
        crew,
        admin,
        routes: [
          {
            method: 'POST',
            path: `${base}/share-links`,
            role: 'owner',
            body: { kind: 'workspace', permission: 'view', expiresAt: inDays(1) },
          },
          { method: 'GET', path: `${base}/share-links`, role: 'viewer' },
          { method: 'GET', path: `${base}/share-links/${linkId}`, role: 'viewer' },
          { method: 'DELETE', path: `${base}/share-links/${linkId}`, role: 'editor' },
        ],
      };
    },
    async () =>
      (await api.request('GET', `/api/v1/workspaces/${crew.workspaceId}/share-links`, { token: crew.owner.token }))
        .body,
  );
  afterAll(async () => {
    await api?.close();
  });
});
