import { Global, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { trace } from '@opentelemetry/api';

/** Sends the spans still buffered; nothing when tracing is off (the API's provider is a no-op then). */
export async function flushTracing(): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => { forceFlush?: () => Promise<void> } };
  await provider.getDelegate?.().forceFlush?.();
}

/** Flushes buffered spans when the app closes: the process exits right after, losing what is batched. */
@Injectable()
export class TracingFlush implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return flushTracing().catch(() => undefined);
  }
}

@Global()
@Module({ providers: [TracingFlush] })
export class TracingModule {}
