import { Client } from 'pg';
import { startTestApi, TestApi } from '../../support/test-app';
import { createWorkspace, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

const KEY = 'sk-live-very-secret-0123456789';

const scheme = (overrides: Record<string, unknown> = {}) => ({
  name: 'Incident type',
  description: 'What happened in the lab',
  mode: 'single',
  labels: [
    {
      name: 'spill',
      description: 'a chemical spill',
      rules: [
        { type: 'keyword', pattern: 'spilled', weight: 2 },
        { type: 'regex', pattern: '\\bacid\\b', weight: 1.5 },
      ],
    },
    { name: 'equipment', rules: [{ type: 'keyword', pattern: 'pump failure' }] },
  ],
  examples: [
    { text: 'acid spilled on the bench', label: 'spill' },
    { text: 'the pump stopped again', label: 'EQUIPMENT' },
  ],
  ...overrides,
});

/** Classification schemes over HTTP: CRUD, validation, roles, the write-only API key, versions, audit. */
describe('classification schemes', () => {
  let api: TestApi;
  let crew: WorkspaceCrew;
  let pg: Client;
  const base = () => `/api/v1/workspaces/${crew.workspaceId}/classification-schemes`;

  beforeAll(async () => {
    api = await startTestApi();
    crew = await createWorkspaceCrew(api);
    pg = new Client({ connectionString: api.dbUrl });
    await pg.connect();
  });
  afterAll(async () => {
    await pg?.end();
    await api?.close();
  });

  const create = (body: unknown, token = crew.editor.token) => api.request('POST', base(), { token, body });

  it('editors create, everyone in the workspace reads, outsiders get 404', async () => {
    const created = await create(scheme());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      workspaceId: crew.workspaceId,
      name: 'Incident type',
      mode: 'single',
      threshold: 0.5,
      version: 1,
      versionFrozen: false,
      provider: { type: 'builtin' },
      training: null,
      labels: [
        {
          name: 'spill',
          description: 'a chemical spill',
          rules: [
            { type: 'keyword', pattern: 'spilled', weight: 2 },
            { type: 'regex', pattern: '\\bacid\\b', weight: 1.5, caseSensitive: false },
          ],
        },
        { name: 'equipment', description: null, rules: [{ type: 'keyword', pattern: 'pump failure', weight: 1 }] },
      ],
      // an example's label is stored as the label is named
      examples: [
        { text: 'acid spilled on the bench', label: 'spill' },
        { text: 'the pump stopped again', label: 'equipment' },
      ],
    });
    const id = created.body.id;

    const read = await api.request('GET', `${base()}/${id}`, { token: crew.viewer.token });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    const list = await api.request('GET', base(), { token: crew.viewer.token, query: { q: 'incident' } });
    expect(list.body).toMatchObject({ total: 1, items: [{ id, exampleCount: 2 }] });
    expect(list.body.items[0].examples).toBeUndefined();

    expect((await create(scheme({ name: 'Other' }), crew.viewer.token)).status).toBe(403);
    expect(
      (await api.request('PATCH', `${base()}/${id}`, { token: crew.viewer.token, body: { name: 'x' } })).status,
    ).toBe(403);
    expect((await api.request('DELETE', `${base()}/${id}`, { token: crew.viewer.token })).status).toBe(403);
    expect((await api.request('GET', `${base()}/${id}`, { token: crew.outsider.token })).status).toBe(404);

    // a workspace the outsider owns cannot reach the scheme by its id
    const theirs = await createWorkspace(api, crew.outsider, 'Elsewhere');
    const across = await api.request('GET', `/api/v1/workspaces/${theirs}/classification-schemes/${id}`, {
      token: crew.outsider.token,
    });
    expect(across.status).toBe(404);
    expect(across.body.code).toBe('CLASSIFICATION_SCHEME_NOT_FOUND');
    const patchAcross = await api.request('PATCH', `/api/v1/workspaces/${theirs}/classification-schemes/${id}`, {
      token: crew.outsider.token,
      body: { name: 'stolen' },
    });
    expect(patchAcross.status).toBe(404);
    expect((await api.request('GET', `${base()}/not-a-uuid`, { token: crew.viewer.token })).status).toBe(404);

    const taken = await create(scheme());
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('CLASSIFICATION_SCHEME_NAME_TAKEN');
  });

  it.each([
    [
      'a catastrophic regex',
      { labels: [{ name: 'a', rules: [{ type: 'regex', pattern: '(a+)+$' }] }, { name: 'b' }] },
      'labels[0].rules[0].pattern',
      /nests repetitions/,
    ],
    [
      'a polynomial regex',
      { labels: [{ name: 'a' }, { name: 'b', rules: [{ type: 'regex', pattern: '\\w+\\s*\\w+x' }] }] },
      'labels[1].rules[0].pattern',
      /polynomial/,
    ],
    [
      'an invalid regex',
      { labels: [{ name: 'a', rules: [{ type: 'regex', pattern: '(' }] }, { name: 'b' }] },
      'labels[0].rules[0].pattern',
      /not a valid regular expression/,
    ],
    [
      'a keyword without a word',
      { labels: [{ name: 'a', rules: [{ type: 'keyword', pattern: '- !' }] }, { name: 'b' }] },
      'labels[0].rules[0].pattern',
      /never match/,
    ],
    [
      'a zero weight',
      { labels: [{ name: 'a', rules: [{ type: 'keyword', pattern: 'x1', weight: 0 }] }, { name: 'b' }] },
      'labels[0].rules[0].weight',
      /non-zero/,
    ],
    ['one label in single mode', { labels: [{ name: 'only' }] }, 'labels', /at least 2 labels/],
    ['the same label twice', { labels: [{ name: 'Spill' }, { name: 'spill ' }] }, 'labels[1].name', /given twice/],
    [
      'an example of no label',
      { labels: [{ name: 'a' }, { name: 'b' }], examples: [{ text: 't', label: 'c' }] },
      'examples[0].label',
      /not one of the scheme's labels/,
    ],
    ['an http provider without endpoint', { provider: { type: 'http', model: 'm' } }, 'provider.endpoint', /required/],
    [
      'an endpoint with credentials',
      { provider: { type: 'http', model: 'm', endpoint: 'https://u:p@llm.example/v1' } },
      'provider.endpoint',
      /credentials/,
    ],
    [
      'an endpoint that is not http',
      { provider: { type: 'http', model: 'm', endpoint: 'ftp://llm.example/v1' } },
      'provider.endpoint',
      /http or https/,
    ],
    [
      'http settings on the builtin provider',
      { provider: { type: 'builtin', model: 'm' } },
      'provider.model',
      /http provider only/,
    ],
    [
      'training with the http provider',
      {
        provider: { type: 'http', model: 'm', endpoint: 'https://llm.example/v1' },
        training: { metadataField: 'label' },
      },
      'training',
      /built-in provider/,
    ],
    ['a threshold of 1', { threshold: 1 }, 'threshold', /0.999|below 1/],
  ])('refuses %s with 400 naming the field, and creates nothing', async (_what, overrides, field, message) => {
    const res = await create(scheme({ name: `Bad ${Math.random()}`, ...overrides }));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    const error = (res.body.errors as Array<{ field: string; message: string }>).find((e) =>
      e.field.replace(/\.(\d+)/g, '[$1]').startsWith(field),
    );
    expect(error?.message).toMatch(message);
    const { rows } = await pg.query(`SELECT count(*)::int AS n FROM classification_schemes WHERE name LIKE 'Bad %'`);
    expect(rows[0].n).toBe(0);
  });

  it('refuses unknown fields and training data sources of another workspace', async () => {
    const unknown = await create(scheme({ name: 'Extra', workspaceId: crew.workspaceId }));
    expect(unknown.status).toBe(400);
    const training = await create(
      scheme({
        name: 'Trained',
        training: { metadataField: 'label', datasourceIds: ['0b4a5f1e-5f0e-4c59-9a53-0d8d2c0f1a11'] },
      }),
    );
    expect(training.status).toBe(404);
    expect(training.body.code).toBe('DATASOURCE_NOT_FOUND');
  });

  it('keeps an http provider API key write-only, encrypted, and bound to the endpoint origin', async () => {
    const created = await create(
      scheme({
        name: 'LLM triage',
        provider: { type: 'http', endpoint: 'https://llm.example/v1', model: 'small', apiKey: KEY, batchSize: 10 },
      }),
    );
    expect(created.status).toBe(201);
    expect(created.body.provider).toEqual({
      type: 'http',
      endpoint: 'https://llm.example/v1',
      model: 'small',
      batchSize: 10,
      requestsPerMinute: 60,
      timeoutMs: 60_000,
      maxRetries: 4,
      apiKeySet: true,
    });
    expect(JSON.stringify(created.body)).not.toContain(KEY);
    const id = created.body.id;
    const { rows } = await pg.query(
      `SELECT api_key_ciphertext AS c, definition::text AS d FROM classification_schemes WHERE id = $1`,
      [id],
    );
    expect(rows[0].c).toMatch(/^v1\./);
    expect(rows[0].c).not.toContain(KEY);
    expect(rows[0].d).not.toContain(KEY);

    // another model on the same origin keeps the key; another origin drops it
    const sameOrigin = await api.request('PATCH', `${base()}/${id}`, {
      token: crew.editor.token,
      body: { provider: { type: 'http', endpoint: 'https://llm.example/v2', model: 'large' } },
    });
    expect(sameOrigin.body.provider).toMatchObject({ model: 'large', apiKeySet: true, batchSize: 20 });
    const moved = await api.request('PATCH', `${base()}/${id}`, {
      token: crew.editor.token,
      body: { provider: { type: 'http', endpoint: 'https://attacker.example/v1', model: 'large' } },
    });
    expect(moved.body.provider).toMatchObject({ endpoint: 'https://attacker.example/v1', apiKeySet: false });
    const again = await api.request('PATCH', `${base()}/${id}`, {
      token: crew.editor.token,
      body: { provider: { type: 'http', endpoint: 'https://llm.example/v1', model: 'small', apiKey: KEY } },
    });
    expect(again.body.provider.apiKeySet).toBe(true);
    const removed = await api.request('PATCH', `${base()}/${id}`, {
      token: crew.editor.token,
      body: { provider: { type: 'http', endpoint: 'https://llm.example/v1', model: 'small', apiKey: null } },
    });
    expect(removed.body.provider.apiKeySet).toBe(false);

    const audit = await api.request('GET', `/api/v1/workspaces/${crew.workspaceId}/audit-log`, {
      token: crew.owner.token,
      query: { entityType: 'classification_scheme', entityId: id, pageSize: 50 },
    });
    expect(audit.status).toBe(200);
    expect(audit.body.total).toBe(5);
    expect(JSON.stringify(audit.body)).not.toContain(KEY);
    expect(audit.body.items.some((e: any) => e.changes.apiKey?.to === '(replaced)')).toBe(true);
  });

  it('edits an unused version in place, makes a new version once a job used it, and keeps the used one', async () => {
    const created = await create(scheme({ name: 'Versioned' }));
    const id = created.body.id;
    const renamed = await api.request('PATCH', `${base()}/${id}`, {
      token: crew.editor.token,
      body: { description: 'still version 1', threshold: 0.6 },
    });
    expect(renamed.body).toMatchObject({ version: 1, versionFrozen: false, description: 'still version 1' });
    expect((await api.request('GET', `${base()}/${id}/versions`, { token: crew.viewer.token })).body.total).toBe(0);

    // a job freezes version 1 (no worker here: it stays queued)
    const job = await api.request('POST', `/api/v1/workspaces/${crew.workspaceId}/classification-jobs`, {
      token: crew.editor.token,
      body: { schemeId: id, filter: {} },
    });
    expect(job.status).toBe(202);
    expect(job.body).toMatchObject({
      kind: 'classification.run',
      status: 'queued',
      input: { schemeId: id, schemeVersion: 1 },
    });
    expect((await api.request('GET', `${base()}/${id}`, { token: crew.viewer.token })).body).toMatchObject({
      version: 1,
      versionFrozen: true,
    });

    const nullName = await api.request('PATCH', `${base()}/${id}`, { token: crew.editor.token, body: { name: null } });
    expect(nullName.status).toBe(400);
    const edited = await api.request('PATCH', `${base()}/${id}`, {
      token: crew.editor.token,
      body: { labels: [{ name: 'spill' }, { name: 'equipment' }, { name: 'other' }], examples: [] },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ version: 2, versionFrozen: false });
    expect(edited.body.labels.map((l: any) => l.name)).toEqual(['spill', 'equipment', 'other']);
    // the same change again changes nothing
    const same = await api.request('PATCH', `${base()}/${id}`, {
      token: crew.editor.token,
      body: { labels: [{ name: 'spill' }, { name: 'equipment' }, { name: 'other' }] },
    });
    expect(same.body.version).toBe(2);

    const versions = await api.request('GET', `${base()}/${id}/versions`, { token: crew.viewer.token });
    expect(versions.body).toMatchObject({
      total: 1,
      items: [{ schemeId: id, version: 1, description: 'still version 1', threshold: 0.6 }],
    });
    const v1 = await api.request('GET', `${base()}/${id}/versions/1`, { token: crew.viewer.token });
    expect(v1.status).toBe(200);
    expect(v1.body.labels.map((l: any) => l.name)).toEqual(['spill', 'equipment']);
    expect(v1.body.examples).toHaveLength(2);
    expect((await api.request('GET', `${base()}/${id}/versions/2`, { token: crew.viewer.token })).body.code).toBe(
      'CLASSIFICATION_SCHEME_VERSION_NOT_FOUND',
    );
    expect((await api.request('GET', `${base()}/${id}/versions/x`, { token: crew.viewer.token })).status).toBe(400);

    // deleting waits for its jobs
    const busy = await api.request('DELETE', `${base()}/${id}`, { token: crew.editor.token });
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ code: 'CLASSIFICATION_SCHEME_IN_USE', jobIds: [job.body.id] });
    const cancelled = await api.request('POST', `/api/v1/workspaces/${crew.workspaceId}/jobs/${job.body.id}/cancel`, {
      token: crew.editor.token,
    });
    expect(cancelled.body.status).toBe('cancelled');
    expect((await api.request('DELETE', `${base()}/${id}`, { token: crew.editor.token })).status).toBe(204);
    expect((await api.request('GET', `${base()}/${id}`, { token: crew.viewer.token })).status).toBe(404);
    const { rows } = await pg.query(
      `SELECT count(*)::int AS n FROM classification_scheme_versions WHERE scheme_id = $1`,
      [id],
    );
    expect(rows[0].n).toBe(0);

    const audit = await api.request('GET', `/api/v1/workspaces/${crew.workspaceId}/audit-log`, {
      token: crew.owner.token,
      query: { entityType: 'classification_scheme', entityId: id },
    });
    expect(audit.body.items.map((e: any) => e.action).sort()).toEqual(['create', 'delete', 'update', 'update']);
    const versionChange = audit.body.items.find((e: any) => e.action === 'update' && e.changes.version);
    expect(versionChange.changes.version).toEqual({ from: 1, to: 2 });
  });
});
