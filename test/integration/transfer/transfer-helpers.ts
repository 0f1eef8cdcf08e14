import { gunzipSync, gzipSync } from 'node:zlib';
import { multipartBody } from '../../support/multipart';
import { TelemetryWriter } from '../../../libs/domain/src';
import { TestApi, TestUser } from '../../support/test-app';
import { createInstrument, createLocation } from '../../support/workspace-factories';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export interface DocLine {
  type?: string;
  data?: Record<string, any>;
  [key: string]: unknown;
}

export function parseDocument(gz: Buffer): DocLine[] {
  return gunzipSync(gz)
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as DocLine);
}

export function documentOf(lines: unknown[]): Buffer {
  return gzipSync(Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n') + '\n'));
}

/**
 * A document with ids replaced by their order of first appearance and times left out: two exports
 * of the same content from different workspaces compare equal.
 */
export function normalised(lines: DocLine[]): string[] {
  const ids = new Map<string, string>();
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .filter(([k]) => !k.endsWith('At') && k !== 'source')
          .map(([k, v]) => [k, strip(v)]),
      );
    }
    return value;
  };
  return lines.map((line) =>
    JSON.stringify(strip(line)).replace(UUID, (id) => {
      if (!ids.has(id)) ids.set(id, `#${ids.size + 1}`);
      return ids.get(id) as string;
    }),
  );
}

export async function waitForJob(api: TestApi, user: TestUser, workspaceId: string, jobId: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.request('GET', `/api/v1/workspaces/${workspaceId}/jobs/${jobId}`, { token: user.token });
    if (['succeeded', 'failed', 'cancelled'].includes(res.body.status)) return res.body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${res.body.status}: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts an export, waits for it and downloads its document. */
export async function exportWorkspace(
  api: TestApi,
  user: TestUser,
  workspaceId: string,
  body: Record<string, unknown>,
): Promise<{ job: any; gz: Buffer; lines: DocLine[] }> {
  const started = await api.request('POST', `/api/v1/workspaces/${workspaceId}/export`, { token: user.token, body });
  if (started.status !== 202) throw new Error(`export: ${started.status} ${JSON.stringify(started.body)}`);
  const job = await waitForJob(api, user, workspaceId, started.body.id);
  if (job.status !== 'succeeded') throw new Error(`export job ${job.status}: ${JSON.stringify(job)}`);
  const res = await api.app.inject({
    method: 'GET',
    url: `/api/v1/workspaces/${workspaceId}/export/${job.id}/download`,
    headers: { authorization: `Bearer ${user.token}` },
  });
  if (res.statusCode !== 200) throw new Error(`download: ${res.statusCode} ${res.body}`);
  return { job, gz: res.rawPayload, lines: parseDocument(res.rawPayload) };
}

/** Uploads a document to …/import and answers the 202 (or the error). */
export async function startImport(
  api: TestApi,
  user: TestUser,
  workspaceId: string,
  document: Buffer,
  query: Record<string, string> = {},
) {
  const form = await multipartBody({}, { content: document, filename: 'export.ndjson.gz', type: 'application/gzip' });
  const qs = new URLSearchParams(query).toString();
  return api.request('POST', `/api/v1/workspaces/${workspaceId}/import${qs ? `?${qs}` : ''}`, {
    token: user.token,
    payload: form.payload,
    headers: form.headers,
  });
}

export async function importDocument(
  api: TestApi,
  user: TestUser,
  workspaceId: string,
  document: Buffer,
  query: Record<string, string> = {},
) {
  const started = await startImport(api, user, workspaceId, document, query);
  if (started.status !== 202) throw new Error(`import: ${started.status} ${JSON.stringify(started.body)}`);
  return waitForJob(api, user, workspaceId, started.body.id);
}

export const ALL = [
  'locations',
  'instruments',
  'classification-schemes',
  'datasources',
  'classification-jobs',
  'telemetry',
];

/** A workspace with one of every kind an export carries: the round trip's source. */
export async function seedEveryKind(api: TestApi, user: TestUser, workspaceId: string, lines = 40) {
  const base = `/api/v1/workspaces/${workspaceId}`;
  const location = await createLocation(api, user, workspaceId, { name: 'Lab 1', address: 'Building A' });
  const instrument = await createInstrument(api, user, workspaceId, {
    name: 'pH meter',
    serialNumber: 'PH-001',
    locationId: location.id,
  });
  await createInstrument(api, user, workspaceId, { name: 'Balance', serialNumber: 'BAL-7' });
  const scheme = await api.request('POST', `${base}/classification-schemes`, {
    token: user.token,
    body: {
      name: 'Topics',
      mode: 'single',
      labels: [
        { name: 'chemistry', rules: [{ type: 'keyword', pattern: 'titration', weight: 1 }] },
        { name: 'biology', rules: [{ type: 'keyword', pattern: 'culture', weight: 1 }] },
      ],
    },
  });
  expect(scheme.status).toBe(201);
  const text = Array.from({ length: lines }, (_, i) => (i % 2 ? `cell culture ${i}` : `acid titration ${i}`));
  const ds = await api.request('POST', `${base}/datasources`, {
    token: user.token,
    body: { type: 'text', text: text.join('\n'), name: 'Notebook' },
  });
  expect(ds.status).toBe(201);
  expect((await waitForJob(api, user, workspaceId, ds.body.lastJobId)).status).toBe('succeeded');
  const job = await api.request('POST', `${base}/classification-jobs`, {
    token: user.token,
    body: { schemeId: scheme.body.id, datasourceIds: [ds.body.id] },
  });
  expect(job.status).toBe(202);
  expect((await waitForJob(api, user, workspaceId, job.body.id)).status).toBe('succeeded');
  const now = Date.now();
  await api.app.get(TelemetryWriter).store(
    Array.from({ length: 30 }, (_, i) => ({
      time: new Date(now - (i + 1) * 60_000),
      instrumentId: instrument.id,
      metric: 'ph',
      value: 7 + i / 100,
      tags: i === 0 ? { probe: 'a' } : null,
    })),
  );
  return { location, instrument, scheme: scheme.body, datasource: ds.body, job: job.body };
}

export function telemetryWindow() {
  return { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() };
}
