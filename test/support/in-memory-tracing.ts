import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { labwireInstrumentations, startTracing, stopTracing } from '../../libs/core/src/tracing/start-tracing';

export interface InMemoryTracing {
  exporter: InMemorySpanExporter;
  stop(): Promise<void>;
}

/**
 * Labwire's tracing (startTracing, the production instrumentations) exporting to memory. Jest loads
 * modules through its own registry, which the SDK's require hooks never see, so the instrumentations'
 * patches are applied here to the very pg, pg-pool and ioredis objects this test file's registry
 * hands to the app (http is Node's own module, patched by the SDK itself).
 */
export function startInMemoryTracing(): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  const instrumentations = labwireInstrumentations();
  startTracing('labwire-test', { spanProcessors: [new SimpleSpanProcessor({ exporter })], instrumentations });
  const patched: Array<() => void> = [];
  for (const instrumentation of instrumentations as Array<Instrumentation & { getModuleDefinitions(): any[] }>) {
    for (const definition of instrumentation.getModuleDefinitions()) {
      if (!['pg', 'pg-pool', 'ioredis', 'http'].includes(definition.name)) continue;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const exports = require(definition.name);
      const version =
        definition.name === 'http'
          ? process.versions.node
          : JSON.parse(readFileSync(join(__dirname, '../../node_modules', definition.name, 'package.json'), 'utf8'))
              .version;
      definition.patch?.(exports, version);
      patched.push(() => definition.unpatch?.(exports, version));
    }
  }
  return {
    exporter,
    async stop() {
      for (const unpatch of patched) unpatch();
      await stopTracing();
      // The API's globals outlive the SDK: reset them, so later test files in this jest worker run untraced.
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
