import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * Trace context over MQTT v5: W3C `traceparent`/`tracestate` as user properties of a PUBLISH, both
 * on what Labwire publishes (commands to instruments) and on what it receives (readings, replies).
 */
const tracer = trace.getTracer('labwire-mqtt');

type UserProperties = Record<string, string | string[]>;

/** The active trace context as user properties; undefined when there is none (tracing off). */
export function traceUserProperties(): Record<string, string> | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return Object.keys(carrier).length ? carrier : undefined;
}

function carrierOf(properties: UserProperties | undefined): Record<string, string> | undefined {
  const traceparent = properties?.traceparent;
  if (!traceparent) return undefined;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const carrier: Record<string, string> = { traceparent: first(traceparent) as string };
  const tracestate = first(properties.tracestate);
  if (tracestate) carrier.tracestate = tracestate;
  return carrier;
}

/**
 * Runs the handling of a received message in a consumer span that continues the sender's trace, when
 * the message carries one (`traceparent` user property). Messages without one are handled as they
 * are: one root span per telemetry message would flood the trace store at instrument rates.
 */
export function receiveInTrace<T>(
  topic: string,
  properties: UserProperties | undefined,
  work: () => Promise<T>,
): Promise<T> {
  const carrier = carrierOf(properties);
  if (!carrier) return work();
  const parent = propagation.extract(ROOT_CONTEXT, carrier);
  return tracer.startActiveSpan(
    `${topic.replace(/\/[0-9a-f-]{36}(\/|$)/g, '/{id}$1')} receive`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'mqtt',
        'messaging.operation.type': 'receive',
        'messaging.destination.name': topic,
      },
    },
    parent,
    async (span) => {
      try {
        return await work();
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** Runs a publish in a producer span; `publish` gets the user properties that carry its context. */
export function publishInTrace<T>(
  topic: string,
  publish: (userProperties: Record<string, string> | undefined) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    `${topic.replace(/\/[0-9a-f-]{36}(\/|$)/g, '/{id}$1')} publish`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'mqtt',
        'messaging.operation.type': 'send',
        'messaging.destination.name': topic,
      },
    },
    async (span) => {
      try {
        return await publish(traceUserProperties());
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
