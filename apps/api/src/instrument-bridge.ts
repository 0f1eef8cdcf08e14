// Loaded first by main-bridge.ts: OpenTelemetry patches http, pg and ioredis only if it starts before they load.
import { startTracingOrExit } from '@labwire/core/tracing/start-tracing';

startTracingOrExit('labwire-bridge');
