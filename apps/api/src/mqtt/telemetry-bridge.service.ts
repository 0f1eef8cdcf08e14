import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  InstrumentDirectory,
  InstrumentRateLimiter,
  parseTelemetryMessage,
  TelemetryBatcher,
  TelemetryDropReason,
  TelemetryDropRecorder,
  TelemetryReading,
  TelemetryTimeWindow,
} from '@labwire/domain';
import { BridgeMetrics } from './bridge-metrics';

const TOPIC = /^labwire\/instruments\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/telemetry$/;
/** At most this many drop lines per reason and window; the rest are summed up in one line. */
const DROP_LOG_LIMIT = 20;
const DROP_LOG_WINDOW_MS = 10_000;

/**
 * The telemetry path of the MQTT bridge: check the instrument's rate, validate a message, check its
 * sender, hand its readings to the batcher. The promise resolves once they are in Redis (then the
 * message is acknowledged), or at once for a dropped message (counted globally and on its instrument,
 * logged, acknowledged: redelivering it would not help).
 */
@Injectable()
export class TelemetryBridge implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('TelemetryBridge');
  private readonly dropLog = new Map<TelemetryDropReason, { since: number; logged: number; suppressed: number }>();

  constructor(
    private readonly directory: InstrumentDirectory,
    private readonly batcher: TelemetryBatcher,
    private readonly metrics: BridgeMetrics,
    private readonly limiter: InstrumentRateLimiter,
    private readonly drops: TelemetryDropRecorder,
    private readonly window: TelemetryTimeWindow,
  ) {}

  onModuleInit(): void {
    this.metrics.watchPending(
      () => this.batcher.pending,
      () => this.batcher.peakPending,
    );
    this.batcher.onFlushed = ({ readings }) => {
      this.metrics.readingsEnqueued.inc(readings);
      this.metrics.batchSize.observe(readings);
    };
  }

  async handle(topic: string, payload: Buffer, receivedAt = new Date()): Promise<void> {
    this.metrics.messages.inc();
    const instrumentId = TOPIC.exec(topic)?.[1];
    if (!instrumentId) return this.drop('unknown_instrument', topic, 'the topic names no instrument id');
    // First, before any parsing: a flooding instrument's surplus costs a map lookup and a counter.
    if (!this.limiter.take(instrumentId)) return this.drop('rate_limited', instrumentId, this.limiter.describe());
    // Back-pressure before parsing: while the batcher is full, a message waits as its raw payload.
    await this.batcher.whenRoom();
    const parsed = parseTelemetryMessage(payload, instrumentId, receivedAt);
    if (!parsed.ok) return this.drop(parsed.reason, instrumentId, parsed.detail);
    const tooOld = this.olderThanKept(parsed.readings, receivedAt);
    if (tooOld) return this.drop('bad_timestamp', instrumentId, tooOld);
    // A database error here fails the handler rather than dropping: the message stays unacknowledged
    // and the broker delivers it again.
    const sender = await this.directory.status(instrumentId);
    if (sender !== 'accepted') {
      return this.drop(
        sender === 'retired' ? 'retired_instrument' : 'unknown_instrument',
        instrumentId,
        sender === 'retired' ? 'the instrument is retired' : 'no such instrument',
      );
    }
    this.metrics.readingsReceived.inc(parsed.readings.length);
    await this.batcher.submit(parsed.readings, receivedAt);
  }

  /**
   * After the MQTT server has drained (Nest closes it before this hook): queue what is left and stop
   * retrying, so the process can exit; anything not queued was not acknowledged either.
   */
  onApplicationShutdown(): Promise<void> {
    return this.batcher.close();
  }

  /** Why the message is older than any workspace keeps telemetry (the worker would discard it), if it is. */
  private olderThanKept(readings: TelemetryReading[], receivedAt: Date): string | undefined {
    const oldest = this.window.oldest(receivedAt.getTime());
    if (oldest === undefined) return undefined;
    const old = readings.find((r) => r.time.getTime() < oldest);
    if (!old) return undefined;
    return (
      `ts ${old.time.toISOString()} is older than Labwire keeps telemetry (${this.window.days} days); ` +
      "check the instrument's clock"
    );
  }

  private drop(reason: TelemetryDropReason, source: string, detail: string): void {
    this.metrics.drop(reason);
    // An unknown instrument has nowhere to keep counts (and a topic without an id names none).
    if (reason !== 'unknown_instrument') this.drops.record(source, reason, detail);
    // A budget per reason: a flood of one kind never hides the first lines of another.
    const now = Date.now();
    let budget = this.dropLog.get(reason);
    if (!budget || now - budget.since > DROP_LOG_WINDOW_MS) {
      if (budget?.suppressed) {
        this.logger.warn(
          `${budget.suppressed} more telemetry messages dropped (${reason}) in ${DROP_LOG_WINDOW_MS / 1000} s ` +
            '(see labwire_telemetry_messages_dropped_total)',
        );
      }
      budget = { since: now, logged: 0, suppressed: 0 };
      this.dropLog.set(reason, budget);
    }
    if (budget.logged++ < DROP_LOG_LIMIT) {
      this.logger.warn(`telemetry message from ${source} dropped (${reason}): ${detail}`);
    } else {
      budget.suppressed++;
    }
  }
}
