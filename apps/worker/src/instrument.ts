// Loaded first by main.ts: OpenTelemetry patches http, pg and ioredis only if it starts before they load.
import { startTracingOrExit } from '@labwire/core/tracing/start-tracing';

startTracingOrExit('labwire-worker');
