import { Injectable } from '@nestjs/common';
import { InstrumentRateLimiter, TelemetryDropRecorder } from '@labwire/domain';
import { BridgeMetrics } from './bridge-metrics';

const INSTRUMENT_TOPIC = /^labwire\/instruments\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\//;

/**
 * The per-instrument rate limit for an instrument's other topics (status, command replies, alerts): each of
 * those messages is a database write, so a device flooding them must not get more than its telemetry
 * would. They take from the same bucket as its telemetry; one over the limit is acknowledged and
 * dropped, counted as `rate_limited` like telemetry (globally and on the instrument).
 */
@Injectable()
export class InstrumentMessageGate {
  constructor(
    private readonly limiter: InstrumentRateLimiter,
    private readonly metrics: BridgeMetrics,
    private readonly drops: TelemetryDropRecorder,
  ) {}

  /** Whether the message may be handled; `kind` names it in the drop's detail. */
  admit(topic: string, kind: 'status' | 'command reply' | 'alert'): boolean {
    const instrumentId = INSTRUMENT_TOPIC.exec(topic)?.[1];
    if (!instrumentId || this.limiter.take(instrumentId)) return true;
    this.metrics.drop('rate_limited');
    this.drops.record(instrumentId, 'rate_limited', `a ${kind} message ${this.limiter.describe()}`);
    return false;
  }
}
