// start-tracing.ts is not re-exported: it loads the SDK, which only the mains need (by path, first).
export * from './tracing.module';
