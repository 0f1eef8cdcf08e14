import { randomBytes } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { waitFor } from '../../support/built-app';
import { InMemoryTracing, startInMemoryTracing } from '../../support/in-memory-tracing';
import { startTestApi, TestApi } from '../../support/test-app';
import { startTestWorker } from '../../support/test-worker';
import { createInstrument, createWorkspaceCrew, WorkspaceCrew } from '../../support/workspace-factories';

/**
 * One trace from an HTTP request into the worker: the api's server span, the job's producer span, the
 * worker's consumer span (the context travelled in the job's data) and its SQL statements under it.
 */
describe('tracing: request → job → worker statements', () => {
  let tracing: InMemoryTracing;
  let api: TestApi;
  let worker: INestApplicationContext;
  let crew: WorkspaceCrew;
  let instrumentId: string;
  let baseUrl: string;

  beforeAll(async () => {
    tracing = startInMemoryTracing();
    api = await startTestApi();
    worker = await startTestWorker(api);
    crew = await createWorkspaceCrew(api);
    instrumentId = (await createInstrument(api, crew.owner, crew.workspaceId)).id;
    // A real HTTP server: the http instrumentation sees requests on sockets, not Fastify's inject().
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = (await api.app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await tracing?.stop();
  });

  const byId = (spans: ReadableSpan[]) => new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
  function ancestors(span: ReadableSpan, spans: Map<string, ReadableSpan>): ReadableSpan[] {
    const chain: ReadableSpan[] = [];
    for (let p = spans.get(parentOf(span) ?? ''); p; p = spans.get(parentOf(p) ?? '')) chain.push(p);
    return chain;
  }

  it('a backfill request, its job and the worker statements that store it share one trace', async () => {
    // The caller's own trace (W3C traceparent): Labwire continues it.
    const traceId = randomBytes(16).toString('hex');
    const res = await fetch(`${baseUrl}/api/v1/workspaces/${crew.workspaceId}/instruments/${instrumentId}/telemetry`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${crew.editor.token}`,
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
      body: JSON.stringify([{ ts: Date.now() - 60_000, values: { traced: 1.5 } }]),
    });
    expect(res.status).toBe(202);
    const job = (await res.json()) as { id: string };

    const jobSpanOf = () =>
      tracing.exporter
        .getFinishedSpans()
        .find((s) => s.kind === SpanKind.CONSUMER && s.name === 'telemetry process telemetry.backfill');
    await waitFor(async () => jobSpanOf() !== undefined, 60_000, 'the worker span of the backfill job');
    const jobStatus = await api.request('GET', `/api/v1/workspaces/${crew.workspaceId}/jobs/${job.id}`, {
      token: crew.viewer.token,
    });
    expect(jobStatus.body.status).toBe('succeeded');

    const spans = tracing.exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const index = byId(spans);
    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    const producer = spans.find(
      (s) => s.kind === SpanKind.PRODUCER && s.name === 'telemetry publish telemetry.backfill',
    );
    const jobSpan = jobSpanOf() as ReadableSpan;
    expect(server).toBeDefined();
    expect(producer).toBeDefined();
    // request → producer → job
    expect(jobSpan.spanContext().traceId).toBe(traceId);
    expect(ancestors(producer as ReadableSpan, index)).toContain(server);
    expect(parentOf(jobSpan)).toBe(producer?.spanContext().spanId);
    expect(jobSpan.attributes['messaging.message.id']).toBe(job.id);

    // The worker's statements are the job span's children (directly: nothing else is active in a handler).
    const statements = spans.filter(
      (s) => s.attributes['db.system.name'] === 'postgresql' || s.attributes['db.system'] === 'postgresql',
    );
    const underJob = statements.filter((s) => ancestors(s, index).includes(jobSpan));
    expect(underJob.length).toBeGreaterThan(0);
    expect(underJob.some((s) => parentOf(s) === jobSpan.spanContext().spanId)).toBe(true);
    const text = (s: ReadableSpan) => String(s.attributes['db.query.text'] ?? s.attributes['db.statement'] ?? '');
    expect(underJob.some((s) => /insert into telemetry/i.test(text(s)))).toBe(true);
    // the api's own statements (authentication, the job row) belong to the request, not the job
    expect(
      statements.some(
        (s) => ancestors(s, index).includes(server as ReadableSpan) && !ancestors(s, index).includes(jobSpan),
      ),
    ).toBe(true);
  });
});
