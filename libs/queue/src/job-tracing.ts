import { context, propagation, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Job } from 'bullmq';
import { QueueName } from './queue-name';

/**
 * The trace context of a job travels in its data under this key (W3C traceparent/tracestate), so the
 * worker's spans continue the trace of the request or message that queued it. Present only while
 * tracing is on: with it off the data is what the producer passed.
 */
export const JOB_TRACE_CONTEXT_KEY = '_traceContext';

const tracer = trace.getTracer('labwire-queue');

function endSpan<T>(span: Span, work: Promise<T>): Promise<T> {
  return work.then(
    (result) => {
      span.end();
      return result;
    },
    (err: unknown) => {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      span.end();
      throw err;
    },
  );
}

/**
 * Runs `add` (BullMQ add/addBulk) in a producer span, handing it `traced(data)` that carries the span's
 * context in the job data. Without an active tracer provider the span is a no-op and data is unchanged.
 */
export function tracedEnqueue<T>(
  queue: QueueName,
  jobName: string,
  add: (traced: <D extends object>(data: D) => D) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    `${queue} publish ${jobName}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'bullmq',
        'messaging.operation.type': 'send',
        'messaging.destination.name': queue,
        'labwire.job.name': jobName,
      },
    },
    (span) => {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      const traced = <D extends object>(data: D): D =>
        Object.keys(carrier).length ? { ...data, [JOB_TRACE_CONTEXT_KEY]: carrier } : data;
      return endSpan(span, add(traced));
    },
  );
}

/** The context a job was queued in, from its data; the root context when it carries none. */
function queuedContext(job: Job): ReturnType<typeof context.active> {
  const carrier = (job.data as Record<string, unknown> | undefined)?.[JOB_TRACE_CONTEXT_KEY];
  if (!carrier || typeof carrier !== 'object') return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier as Record<string, string>);
}

/**
 * Runs a job's processing in a consumer span, child of the span that queued it: the statements the
 * handler runs (pg, Redis) become its children, so one trace shows request → job → statements.
 */
export function processInJobSpan<T>(queue: QueueName, job: Job, work: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(
    `${queue} process ${job.name}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'bullmq',
        'messaging.operation.type': 'process',
        'messaging.destination.name': queue,
        'messaging.message.id': job.id ?? '',
        'labwire.job.name': job.name,
        'labwire.job.attempt': job.attemptsMade + 1,
      },
    },
    queuedContext(job),
    (span) => endSpan(span, work()),
  );
}
