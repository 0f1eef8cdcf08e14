import { randomBytes } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { MqttClient } from 'mqtt';
import { InstrumentStateService } from '../../../libs/domain/src';
import { waitFor } from '../../support/built-app';
import { connectMqtt } from '../../support/mqtt-test-client';
import { startTestBroker, TestBroker } from '../../support/test-broker';
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
  let broker: TestBroker;
  let instrument: MqttClient;
  let secret: string;

  beforeAll(async () => {
    tracing = startInMemoryTracing();
    // Its own broker: another test file's api reconciling the shared one could sign the instrument out.
    broker = await startTestBroker();
    api = await startTestApi(broker.env);
    worker = await startTestWorker(api);
    crew = await createWorkspaceCrew(api);
    const created = await createInstrument(api, crew.owner, crew.workspaceId);
    instrumentId = created.id;
    secret = created.mqttSecret;
    // A real HTTP server: the http instrumentation sees requests on sockets, not Fastify's inject().
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = (await api.app.getUrl()).replace('[::1]', '127.0.0.1');
  }, 120_000);
  afterAll(async () => {
    await instrument?.endAsync(true).catch(() => undefined);
    await worker?.close();
    await api?.close();
    await broker?.stop();
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
    const statements = spans.filter((s) => s.attributes['db.system.name'] === 'postgresql');
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

  /** A W3C traceparent of a new trace, and its trace id. */
  function newTrace(): { traceId: string; traceparent: string } {
    const traceId = randomBytes(16).toString('hex');
    return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
  }

  it("a command published to an instrument carries the request's trace in MQTT v5 user properties", async () => {
    instrument = await connectMqtt(api.config.mqtt.url, {
      username: instrumentId,
      password: secret,
      clientId: instrumentId,
    });
    const received: Array<{ topic: string; properties?: Record<string, unknown> }> = [];
    instrument.on('message', (topic, _payload, packet) =>
      received.push({ topic, properties: packet.properties?.userProperties as Record<string, unknown> }),
    );
    await instrument.subscribeAsync(`labwire/instruments/${instrumentId}/commands/+`, { qos: 1 });
    await api.app.get(InstrumentStateService).applyStatus(instrumentId, 'online');

    const { traceId, traceparent } = newTrace();
    const res = await fetch(`${baseUrl}/api/v1/workspaces/${crew.workspaceId}/instruments/${instrumentId}/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${crew.editor.token}`, 'content-type': 'application/json', traceparent },
      body: JSON.stringify({ name: 'start-run', params: {} }),
    });
    expect(res.status).toBe(201);
    await waitFor(async () => received.length > 0, 30_000, 'the command at the instrument');
    const carried = String(received[0].properties?.traceparent ?? '');
    expect(carried).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    expect(carried.split('-')[1]).toBe(traceId);
    // its parent is the publish span, inside the request's trace
    const publish = tracing.exporter
      .getFinishedSpans()
      .find((s) => s.kind === SpanKind.PRODUCER && s.spanContext().spanId === carried.split('-')[2]);
    expect(publish?.attributes['messaging.system']).toBe('mqtt');
    expect(publish?.spanContext().traceId).toBe(traceId);
  }, 90_000);

  it('a reading that carries a trace continues it through the telemetry batch job into its statements', async () => {
    instrument ??= await connectMqtt(api.config.mqtt.url, {
      username: instrumentId,
      password: secret,
      clientId: instrumentId,
    });
    const { traceId, traceparent } = newTrace();
    await instrument.publishAsync(
      `labwire/instruments/${instrumentId}/telemetry`,
      JSON.stringify({ ts: Date.now() - 1000, values: { mqtt_traced: 2.5 } }),
      { qos: 1, properties: { userProperties: { traceparent } } },
    );
    const inTrace = () => tracing.exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const jobSpanOf = () =>
      inTrace().find((s) => s.kind === SpanKind.CONSUMER && s.name === 'telemetry process telemetry.store-batch');
    await waitFor(async () => jobSpanOf() !== undefined, 60_000, "the worker span of the reading's batch");
    const spans = inTrace();
    const index = byId(spans);
    const jobSpan = jobSpanOf() as ReadableSpan;
    const receive = spans.find((s) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.system'] === 'mqtt');
    expect(receive?.name).toBe('labwire/instruments/{id}/telemetry receive');
    expect(ancestors(jobSpan, index)).toContain(receive);
    const statements = spans.filter(
      (s) => ancestors(s, index).includes(jobSpan) && s.attributes['db.system.name'] === 'postgresql',
    );
    expect(statements.some((s) => /INSERT INTO telemetry \(/.test(String(s.attributes['db.query.text'])))).toBe(true);
    // Redis commands are recorded by name, never with their arguments (keys, job payloads)
    const redis = spans.filter((s) => s.attributes['db.system.name'] === 'redis');
    expect(redis.length).toBeGreaterThan(0);
    for (const s of redis) expect(String(s.attributes['db.query.text'])).not.toContain('mqtt_traced');
  }, 90_000);

  it("keeps the token of a mailed link out of the server span's url.query", async () => {
    const secretToken = `secret-${randomBytes(16).toString('hex')}`;
    const res = await fetch(`${baseUrl}/account/reset-password?lang=en&token=${secretToken}`);
    expect(res.status).toBe(400);
    await res.text();
    const spanOf = () =>
      tracing.exporter
        .getFinishedSpans()
        .find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/account/reset-password');
    await waitFor(async () => spanOf() !== undefined, 60_000, 'the server span of the account page');
    const span = spanOf() as ReadableSpan;
    expect(String(span.attributes['url.query'])).toContain('lang=en');
    expect(String(span.attributes['url.query'])).toContain('token=');
    expect(JSON.stringify(span.attributes)).not.toContain(secretToken);
  });

  it("keeps a share link's token (a path segment) out of the server span", async () => {
    const shareToken = `lwsh_${randomBytes(16).toString('hex')}`;
    const res = await fetch(`${baseUrl}/api/v1/shared/${shareToken}`);
    expect(res.status).toBe(404);
    await res.text();
    const spanOf = () =>
      tracing.exporter
        .getFinishedSpans()
        .find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/api/v1/shared/[redacted]');
    await waitFor(async () => spanOf() !== undefined, 60_000, 'the server span of the shared route');
    expect(JSON.stringify((spanOf() as ReadableSpan).attributes)).not.toContain(shareToken);
  });
});
