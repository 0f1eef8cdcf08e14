import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { redactRequestUrl } from '../logging/redact-url';

/**
 * OpenTelemetry for the api, worker and bridge processes. This file imports only OpenTelemetry: each
 * main loads it first (instrument.ts), so http, pg and ioredis are patched before anything requires them.
 * The SDK is required only once tracing is asked for: loading it costs seconds of boot on a small machine.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- synchronous, lazy loads: see above */

/** OTEL_TRACES_EXPORTER values the SDK understands. */
const TRACE_EXPORTERS = ['otlp', 'zipkin', 'console', 'none'];
/** Requests not worth a trace: probes and scrapes every few seconds. */
const UNTRACED_PATHS = /^\/(health\/|metrics(\?|$))/;

export class TracingConfigError extends Error {}

/**
 * Whether the standard variables ask for traces. Off unless an exporter or an OTLP endpoint is named,
 * so a Labwire without OTEL_* set exports nothing (the SDK alone would default to OTLP on localhost);
 * OTEL_SDK_DISABLED=true wins over both.
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  const unknown = exporters.filter((e) => !TRACE_EXPORTERS.includes(e));
  if (unknown.length) {
    throw new TracingConfigError(
      `OTEL_TRACES_EXPORTER: unknown exporter "${unknown.join(', ')}" (expected ${TRACE_EXPORTERS.join(', ')})`,
    );
  }
  if (exporters.length) return exporters.some((e) => e !== 'none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Query parameters whose values never reach a server span's `url.query`: the token of a mailed link
 * (`/account/reset-password?token=…`) and the like, plus the instrumentation's own defaults (signed
 * URLs), which an explicit list replaces.
 */
const SECRET_QUERY_PARAMS = [
  'token',
  'access_token',
  'api_key',
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];

/**
 * The instrumentations Labwire uses. pg and ioredis spans only inside a trace (a request or a job):
 * BullMQ's polling and background statements would otherwise each start a trace of their own. SQL
 * parameters and Redis arguments (job payloads) are never recorded: they can hold secrets.
 */
export function labwireInstrumentations(): Instrumentation[] {
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { IORedisInstrumentation } =
    require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
      redactedQueryParamsServer: SECRET_QUERY_PARAMS,
      // a share link's token is a path segment (`/api/v1/shared/{token}/…`): the server span's path and
      // target carry it redacted, as the access log does
      requestHook: (span, request) => {
        const url = 'url' in request ? request.url : undefined;
        if (!url || redactRequestUrl(url) === url) return;
        const redacted = redactRequestUrl(url);
        span.setAttribute('url.path', redacted.split('?')[0]);
        span.setAttribute('http.target', redacted);
      },
    }),
    new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    // The command name only: its arguments are keys and job payloads (the default records them all).
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
  ];
}

let sdk: import('@opentelemetry/sdk-node').NodeSDK | undefined;

export interface TracingOptions {
  env?: NodeJS.ProcessEnv;
  /** instead of the exporters named by OTEL_TRACES_EXPORTER (tests: an in-memory exporter) */
  spanProcessors?: SpanProcessor[];
  /** instead of labwireInstrumentations() (tests keep them, to patch jest's module registry) */
  instrumentations?: Instrumentation[];
}

/**
 * Starts the SDK when OTEL_* ask for it (see tracingRequested) and answers whether it did. Exporter,
 * endpoint, sampler, resource attributes and propagators come from the standard variables;
 * OTEL_SERVICE_NAME overrides `serviceName`. Metrics and logs stay Labwire's own (/metrics, pino)
 * unless OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER say otherwise.
 */
export function startTracing(serviceName: string, options: TracingOptions = {}): boolean {
  const env = options.env ?? process.env;
  if (sdk || (!options.spanProcessors && !tracingRequested(env))) return Boolean(sdk);
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || serviceName,
    instrumentations: options.instrumentations ?? labwireInstrumentations(),
    ...(options.spanProcessors && { spanProcessors: options.spanProcessors }),
  });
  sdk.start();
  return true;
}

/** Stops the SDK (tests); a later startTracing starts a new one. */
export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}

/** startTracing for a main: a malformed OTEL_* value stops the process with a message naming it. */
export function startTracingOrExit(serviceName: string): void {
  try {
    startTracing(serviceName);
  } catch (err) {
    console.error(err instanceof TracingConfigError ? err.message : err);
    process.exit(1);
  }
}
