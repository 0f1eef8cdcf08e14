import { Client } from 'pg';
import { createUser, startTestApi, TestApi, TestUser } from '../../support/test-app';
import { multipartBody } from '../../support/multipart';
import { startTestWorker } from '../../support/test-worker';
import { addMember, createInstrument, createLocation, createWorkspace } from '../../support/workspace-factories';
import {
  BadQueryValue,
  bodyCorpus,
  LONG,
  OpenApiDocument,
  Operation,
  pathCorpus,
  queryCorpus,
  resolve,
  Schema,
  toJsonText,
} from '../../support/openapi-fuzz';

/** Bodies the fuzzer starts from, where a body built from the schema would be refused for another reason. */
function baselineOverrides(ids: Record<string, string>, owner: TestUser, stranger: TestUser): Record<string, unknown> {
  return {
    auth_login: { email: owner.email, password: 'not the password at all' },
    auth_register: { email: 'fuzz-register@lab.test', password: 'a long enough password', fullName: 'Fuzz' },
    me_change_password: { currentPassword: owner.password, newPassword: 'another long enough password' },
    users_create: { email: 'fuzz-new@lab.test', fullName: 'Fuzz', password: 'a long enough password' },
    workspace_members_create: { email: stranger.email, role: 'viewer' },
    workspace_invitations_create: { email: stranger.email, role: 'viewer' },
    me_change_email: { email: 'fuzz-moved@lab.test', currentPassword: owner.password },
    accounts_verify_email: { token: 'x'.repeat(43) },
    accounts_reset: { token: 'x'.repeat(43), password: 'a long enough password' },
    invited_registration_register: { token: 'x'.repeat(43), fullName: 'Fuzz', password: 'a long enough password' },
    datasources_create: { type: 'text', text: 'a line', name: 'Fuzz' },
    classification_schemes_create: { name: 'Fuzz scheme', mode: 'single', labels: [{ name: 'a' }, { name: 'b' }] },
    classification_jobs_create: { schemeId: ids.schemeId, datasourceIds: [ids.datasourceId] },
    telemetry_backfill_create: { ts: Date.now() - 60_000, values: { ph: 7 } },
    calibrations_create: {
      performedAt: new Date(Date.now() - 86_400_000).toISOString(),
      performedBy: 'Fuzz',
      result: 'pass',
    },
    maintenance_windows_create: {
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      endsAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      kind: 'preventive',
    },
    schedules_create: {
      name: 'Fuzz schedule',
      kind: 'ingestion',
      config: { urls: ['https://example.org/fuzz'], mode: 'append' },
      intervalMs: 3_600_000,
    },
    alert_configs_create: { key: 'fuzz-config' },
    alert_silences_create: { key: 'fuzz', endsAt: new Date(Date.now() + 86_400_000).toISOString(), reason: 'fuzz' },
    alert_silences_replace: { key: 'fuzz', endsAt: new Date(Date.now() + 86_400_000).toISOString(), reason: 'fuzz' },
    transfer_export: {
      include: ['telemetry'],
      telemetry: { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date().toISOString() },
    },
    share_links_create: {
      kind: 'datasource',
      targetId: ids.datasourceId,
      permission: 'view',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    },
    protocols_create: { name: 'Fuzz protocol', roles: [{ name: 'r' }], steps: [{ kind: 'mark', label: 'm' }] },
    experiments_create: { protocolId: ids.protocolId, assignments: { r: ids.instrumentId } },
    alert_rules_create: {
      name: 'Fuzz rule',
      scope: { instrumentId: ids.instrumentId },
      metric: 'ph',
      condition: 'above',
      threshold: 8,
      alertKey: 'fuzz-rule',
    },
  };
}

/** A body the schema accepts (required fields only), real ids where a field names a resource. */
function sample(doc: OpenApiDocument, schema: Schema | undefined, name: string, ids: Record<string, string>): unknown {
  const s = resolve(doc, schema);
  if (s.oneOf) return sample(doc, s.oneOf[0], name, ids);
  if (s.enum) return s.enum[0];
  switch (s.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of s.required ?? []) out[key] = sample(doc, s.properties?.[key], key, ids);
      return out;
    }
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => sample(doc, s.items, name.replace(/s$/, ''), ids));
    case 'number':
    case 'integer':
      return s.minimum ?? 1;
    case 'boolean':
      return false;
    default:
      if (s.format === 'uuid') return ids[name] ?? ids[`${name}Id`] ?? '00000000-0000-4000-8000-000000000000';
      if (s.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
      return 'fuzz value';
  }
}

/** Valid values of the operation's required query parameters but the fuzzed one (`name=value`). */
function requiredQuery(doc: OpenApiDocument, op: Operation, ids: Record<string, string>, fuzzed: string): string[] {
  // parameters that come in pairs: one without the other is refused for the other
  const partner = { 'query metadataKey': 'metadataValue=v', 'query metadataValue': 'metadataKey=k' }[fuzzed];
  return (op.parameters ?? [])
    .filter((p) => p.in === 'query' && p.required && fuzzed !== `query ${p.name}`)
    .map((p) => {
      const s = resolve(doc, p.schema);
      const value = s.enum?.[0] ?? ids[p.name.replace(/s$/, '')] ?? ids[p.name] ?? 'x';
      return `${p.name}=${encodeURIComponent(String(value))}`;
    })
    .concat(partner ? [partner] : []);
}

/**
 * Bad multipart uploads: each form field given bad values, and bad file parts (a valid file otherwise).
 * A long file name is not among them: it is cut to a data source name of 500 characters, on purpose.
 */
function multipartCases(
  doc: OpenApiDocument,
  op: Operation,
): Array<{ label: string; fields: Record<string, string>; file?: { content: string; filename: string } }> {
  const form = op.requestBody?.content['multipart/form-data'];
  if (!form) return [];
  const file = { content: 'text,n\nfuzz,1\n', filename: 'fuzz.csv' };
  const schema = resolve(doc, form.schema);
  const parts = (schema.allOf ?? [schema]).map((s) => resolve(doc, s));
  const fields = Object.assign({}, ...parts.map((s) => s.properties ?? {})) as Record<string, Schema>;
  const cases: Array<{ label: string; fields: Record<string, string>; file?: typeof file }> = [
    { label: 'file name with NUL', fields: {}, file: { ...file, filename: 'fu\u0000zz.csv' } },
    { label: 'empty file', fields: {}, file: { ...file, content: '' } },
    { label: 'no file', fields: { name: 'no file' } },
  ];
  for (const [name, raw] of Object.entries(fields)) {
    const s = resolve(doc, raw);
    if (s.format === 'binary') continue;
    // (no lone surrogates: a form is UTF-8, which cannot carry one)
    const values: Array<[string, string]> = [['NUL', 'a\u0000b']];
    if (s.maxLength !== undefined) values.push(['1 MB', 'x'.repeat(LONG)]);
    if (s.enum) values.push(['not in enum', 'no-such-choice']);
    if (s.format === 'uuid') values.push(['not a uuid', 'not-a-uuid']);
    for (const [label, value] of values) cases.push({ label: `${name} = ${label}`, fields: { [name]: value }, file });
  }
  return cases;
}

interface Target {
  /** `query page`, `body labels[0].name` */
  where: string;
  /** how to put a value in: the request changes */
  request: (value: unknown) => { body?: unknown; query?: string; path?: Record<string, string> };
  schema: Schema;
  kind: 'path' | 'query' | 'body';
}

/** Every path parameter, query parameter, body field and one level of nested body field of an operation. */
function targetsOf(doc: OpenApiDocument, op: Operation, baseline: unknown): Target[] {
  const targets: Target[] = [];
  for (const p of op.parameters ?? []) {
    const schema = resolve(doc, p.schema);
    if (p.in === 'path') {
      targets.push({
        where: `path ${p.name}`,
        schema,
        kind: 'path',
        request: (v) => ({ path: { [p.name]: v as string } }),
      });
    } else if (p.in === 'query') {
      targets.push({ where: `query ${p.name}`, schema, kind: 'query', request: (v) => ({ query: `${p.name}=${v}` }) });
    }
  }
  const json = op.requestBody?.content['application/json'];
  if (!json) return targets;
  let bodySchema = resolve(doc, json.schema);
  if (bodySchema.oneOf) bodySchema = resolve(doc, bodySchema.oneOf[0]);
  const base = baseline as Record<string, unknown>;
  targets.push({ where: 'body', schema: bodySchema, kind: 'body', request: (v) => ({ body: v }) });
  for (const [key, raw] of Object.entries(bodySchema.properties ?? {})) {
    const schema = resolve(doc, raw);
    targets.push({ where: `body ${key}`, schema, kind: 'body', request: (v) => ({ body: { ...base, [key]: v } }) });
    // one level down: an object's fields, or the fields of an array's first element
    const element = schema.type === 'array' ? resolve(doc, schema.items) : undefined;
    const nested = element?.type === 'object' ? element : schema.type === 'object' ? schema : undefined;
    for (const [sub, subRaw] of Object.entries(nested?.properties ?? {})) {
      const subSchema = resolve(doc, subRaw);
      const parent = (base[key] ?? sample(doc, schema, key, {})) as unknown;
      const first = element
        ? ((parent as unknown[])[0] ?? sample(doc, element, key, {}))
        : (parent as Record<string, unknown>);
      targets.push({
        where: `body ${key}${element ? '[0]' : ''}.${sub}`,
        schema: subSchema,
        kind: 'body',
        request: (v) => {
          const changed = { ...(first as Record<string, unknown>), [sub]: v };
          const rest = element ? (parent as unknown[]).slice(1) : [];
          return { body: { ...base, [key]: element ? [changed, ...rest] : changed } };
        },
      });
    }
  }
  return targets;
}

/**
 * Every operation of /openapi.json, each parameter and body field (and one level nested) in turn
 * given bad values (NUL, lone surrogates, 1e309 and 20-digit numbers, negatives, wrong types, 10,000
 * levels of nesting, 1 MB strings), with real ids of existing resources everywhere else, by a
 * signed-in admin who owns the workspace, over HTTP: each answer is a 4xx application/problem+json,
 * never a 500, and the database is unchanged after every operation. Also: every JSON body sent
 * form-encoded or without a content type (415), and multipart uploads with bad fields or file parts.
 * Values a route may rightly accept (a 1 MB search text, -1 where no minimum is declared) are sent to
 * reads only, which must merely not fail. About 3,200 requests (the count is logged).
 */
describe('every operation of /openapi.json refuses bad input', () => {
  let api: TestApi;
  let db: Client;
  let origin: string;

  beforeAll(async () => {
    api = await startTestApi();
    db = new Client({ connectionString: api.dbUrl });
    await db.connect();
    // over real HTTP: Node's parser and limits are part of what answers
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await db?.end();
    await api?.close();
  });

  /** Every row of every table (one text per table): any change to the database shows. */
  async function snapshot(): Promise<Map<string, string>> {
    const tables = await db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY 1`,
    );
    const out = new Map<string, string>();
    for (const { name } of tables.rows) {
      const res = await db.query<{ digest: string | null }>(
        `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM "${name}" t`,
      );
      out.set(name, res.rows[0].digest ?? '');
    }
    return out;
  }

  it('answers 4xx problem+json to every bad value, and writes nothing', async () => {
    const owner = await createUser(api, { role: 'admin' });
    const member = await createUser(api);
    const stranger = await createUser(api);
    const workspaceId = await createWorkspace(api, owner, 'Fuzz workspace');
    const post = async (path: string, body: unknown) => {
      const res = await api.request('POST', `/api/v1/workspaces/${workspaceId}${path}`, { token: owner.token, body });
      if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const finished = async (jobId: string) => {
      for (let i = 0; i < 300; i++) {
        const res = await api.request('GET', `/api/v1/workspaces/${workspaceId}/jobs/${jobId}`, { token: owner.token });
        if (res.body.status === 'succeeded') return;
        if (['failed', 'cancelled'].includes(res.body.status)) throw new Error(`job ${jobId} ${res.body.status}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`job ${jobId} did not finish`);
    };
    await addMember(api, owner, workspaceId, member, 'editor');
    const invitation = await post('/invitations', { email: 'fuzz-invitee@lab.test', role: 'viewer' });
    const location = await createLocation(api, owner, workspaceId);
    const instrument = await createInstrument(api, owner, workspaceId, { locationId: location.id });
    const datasource = await post('/datasources', { type: 'text', text: 'one\ntwo', name: 'Notes' });
    const scheme = await post('/classification-schemes', {
      name: 'Kinds',
      mode: 'single',
      labels: [{ name: 'x' }, { name: 'y' }],
    });
    // a worker ingests the data source and classifies it, then stops: nothing changes the database
    // behind the fuzzer's back
    const worker = await startTestWorker(api);
    let classification: { id: string; status: string };
    let recordId: string;
    try {
      await finished(datasource.lastJobId);
      classification = await post('/classification-jobs', { schemeId: scheme.id, datasourceIds: [datasource.id] });
      await finished(classification.id);
      const records = await api.request('GET', `/api/v1/workspaces/${workspaceId}/records`, { token: owner.token });
      recordId = records.body.items[0].id;
    } finally {
      await worker.close();
    }
    const command = await post(`/instruments/${instrument.id}/commands`, { name: 'start' });
    const schedule = await post('/schedules', {
      name: 'Fuzzed',
      kind: 'ingestion',
      config: { urls: ['https://example.org/fuzz'], mode: 'append' },
      intervalMs: 3_600_000,
      enabled: false,
    });
    const alertConfig = await post('/alert-configs', { key: 'fuzz-key' });
    const triggered = await post('/alerts/fuzz-key/trigger', {});
    const silence = await post('/alert-silences', {
      key: 'fuzz-key',
      endsAt: new Date(Date.now() + 86_400_000).toISOString(),
      reason: 'fuzz',
    });
    const protocol = await post('/protocols', {
      name: 'Steps',
      roles: [{ name: 'r' }],
      steps: [{ kind: 'mark', label: 'm' }],
    });
    const experiment = await post('/experiments', { protocolId: protocol.id, assignments: { r: instrument.id } });
    const key = await api.request('POST', '/api/v1/users/me/api-keys', { token: owner.token, body: { name: 'k' } });
    const rule = await post('/alert-rules', {
      name: 'Rule',
      scope: { instrumentId: instrument.id },
      metric: 'ph',
      condition: 'above',
      threshold: 9,
      alertKey: 'ph-high',
    });
    const ids: Record<string, string> = {
      workspaceId,
      userId: member.id,
      invitationId: invitation.id,
      apiKeyId: key.body.id,
      locationId: location.id,
      instrumentId: instrument.id,
      datasourceId: datasource.id,
      jobId: classification.id,
      schemeId: scheme.id,
      classifySchemeId: scheme.id,
      version: '1',
      commandId: command.id,
      protocolId: protocol.id,
      experimentId: experiment.id,
      recordId,
      scheduleId: schedule.id,
      ruleId: rule.id,
      name: 'ingestion',
      configId: alertConfig.id,
      alertId: triggered.alert.id,
      silenceId: silence.id,
      key: 'fuzz-key',
    };
    const doc = (await (await fetch(`${origin}/openapi.json`)).json()) as OpenApiDocument;
    const overrides = baselineOverrides(ids, owner, stranger);

    // operations that end the session go last
    const operations = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })))
      .sort((a, b) => Number(/auth|password/.test(a.path)) - Number(/auth|password/.test(b.path)));
    const failures: string[] = [];
    const counts = { operations: operations.length, fuzzed: 0, requests: 0, skippedOdd: 0 };
    let before = await snapshot();

    for (const { path, method, op } of operations) {
      const writes = method !== 'get';
      const json = op.requestBody?.content['application/json'];
      const baseline = overrides[op.operationId] ?? (json ? sample(doc, json.schema, 'body', ids) : undefined);
      const targets = targetsOf(doc, op, baseline);
      if (targets.length) counts.fuzzed++;
      for (const target of targets) {
        const corpus: Array<{ label: string; value: unknown; odd?: boolean; repeat?: number }> =
          target.kind === 'body'
            ? bodyCorpus(target.schema)
            : (target.kind === 'query' ? queryCorpus : pathCorpus)(target.schema).map((v: BadQueryValue) => ({
                ...v,
                value: v.encoded,
              }));
        for (const bad of corpus) {
          if (bad.odd && writes) {
            counts.skippedOdd++;
            continue;
          }
          const change = target.request(bad.value);
          const query = [
            ...(change.query ? Array(bad.repeat ?? 1).fill(change.query) : []),
            ...requiredQuery(doc, op, ids, target.where),
          ];
          const url =
            path.replace(/\{(\w+)\}/g, (_m, name: string) => change.path?.[name] ?? encodeURIComponent(ids[name])) +
            (query.length ? `?${query.join('&')}` : '');
          const body = change.body !== undefined ? change.body : baseline;
          const response = await fetch(`${origin}${url}`, {
            method: method.toUpperCase(),
            headers: {
              authorization: `Bearer ${owner.token}`,
              ...(body !== undefined && { 'content-type': 'application/json' }),
            },
            body: body !== undefined ? toJsonText(body) : undefined,
          });
          const res = { statusCode: response.status, body: await response.text() };
          counts.requests++;
          const what = `${method.toUpperCase()} ${path} ${target.where} = ${bad.label}`;
          const type = response.headers.get('content-type') ?? '';
          if (res.statusCode >= 500 || (!bad.odd && res.statusCode < 400)) {
            failures.push(`${what}: ${res.statusCode} ${res.body.slice(0, 300)}`);
          } else if (res.statusCode >= 400 && !type.startsWith('application/problem+json')) {
            failures.push(`${what}: ${res.statusCode} answered as ${type || 'no content type'}`);
          } else if (res.statusCode === 400) {
            // the refusal is about the fuzzed value, not about a baseline the api would refuse anyway
            const fields = ((JSON.parse(res.body).errors ?? []) as Array<{ field: string }>).map((e) => e.field);
            const name = target.where.split(' ')[1] ?? 'body';
            const top = name.split(/[.[]/)[0];
            const unrelated =
              target.where === 'body' ? [] : fields.filter((f) => f !== 'body' && f !== 'file' && !f.includes(top));
            if (unrelated.length) failures.push(`${what}: refused for other fields: ${res.body.slice(0, 300)}`);
          }
        }
      }
      // a JSON body sent as a form (`curl -d`) or without a content type: 415 naming application/json
      if (json) {
        for (const status of ['408', '413', '415']) {
          if (!op.responses?.[status]) failures.push(`${method.toUpperCase()} ${path}: ${status} not declared`);
        }
        const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(ids[name]));
        for (const contentType of ['application/x-www-form-urlencoded', undefined]) {
          const response = await fetch(`${origin}${url}`, {
            method: method.toUpperCase(),
            headers: { authorization: `Bearer ${owner.token}`, ...(contentType && { 'content-type': contentType }) },
            // bytes, not a string: fetch would label a string text/plain
            body: Buffer.from(toJsonText(baseline)),
          });
          const problem = (await response.json()) as { detail?: string };
          counts.requests++;
          if (response.status !== 415 || !problem.detail?.includes('application/json')) {
            failures.push(`${method.toUpperCase()} ${path} as ${contentType ?? 'no content type'}: ${response.status}`);
          }
        }
      }
      for (const bad of multipartCases(doc, op)) {
        const form = await multipartBody(bad.fields, bad.file);
        const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(ids[name]));
        const response = await fetch(`${origin}${url}`, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${owner.token}`, ...form.headers },
          body: form.payload,
        });
        const text = await response.text();
        counts.requests++;
        const type = response.headers.get('content-type') ?? '';
        if (response.status < 400 || response.status >= 500 || !type.startsWith('application/problem+json')) {
          failures.push(
            `${method.toUpperCase()} ${path} multipart ${bad.label}: ${response.status} ${text.slice(0, 300)}`,
          );
        }
      }
      const after = await snapshot();
      const changed = [...after].filter(([table, digest]) => before.get(table) !== digest).map(([t]) => t);
      if (changed.length) failures.push(`${method.toUpperCase()} ${path}: changed ${changed.join(', ')}`);
      before = after;
    }
    console.log(`openapi fuzz: ${JSON.stringify(counts)}`);
    expect(failures).toEqual([]);
    expect(counts.operations).toBeGreaterThanOrEqual(80);
    expect(counts.requests).toBeGreaterThan(1000);
    // a liveness bound: every operation of every area is walked one request at a time, ~2 minutes alone
  }, 600_000);
});
