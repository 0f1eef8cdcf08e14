import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InstrumentDirectory, parseTelemetryMessage, TelemetryBatcher, TelemetryDropReason } from '@labwire/domain';
import { BridgeMetrics } from './bridge-metrics';

const TOPIC = /^labwire\/instruments\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/telemetry$/;
/** At most this many drop lines per window; the rest are summed up in one line. */
const DROP_LOG_LIMIT = 20;
const DROP_LOG_WINDOW_MS = 10_000;

/**
 * The telemetry path of the MQTT bridge: validate a message, check its sender, hand its readings to
 * the batcher. The promise resolves once they are in Redis (then the message is acknowledged), or at
 * once for a dropped message (counted, logged, acknowledged: redelivering it would not help).
 */
@Injectable()
export class TelemetryBridge implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('TelemetryBridge');
  private dropLogWindow = 0;
  private dropLogCount = 0;
  private dropSuppressed = 0;

  constructor(
    private readonly directory: InstrumentDirectory,
    private readonly batcher: TelemetryBatcher,
    private readonly metrics: BridgeMetrics,
  ) {}

  onModuleInit(): void {
    this.batcher.onFlushed = ({ readings }) => {
      this.metrics.readingsEnqueued.inc(readings);
      this.metrics.batchSize.observe(readings);
    };
  }

  async handle(topic: string, payload: Buffer, receivedAt = new Date()): Promise<void> {
    this.metrics.messages.inc();
    const instrumentId = TOPIC.exec(topic)?.[1];
    if (!instrumentId) return this.drop('unknown_instrument', topic, 'the topic names no instrument id');
    const parsed = parseTelemetryMessage(payload, instrumentId, receivedAt);
    if (!parsed.ok) return this.drop(parsed.reason, instrumentId, parsed.detail);
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

  private drop(reason: TelemetryDropReason, source: string, detail: string): void {
    this.metrics.drop(reason);
    const now = Date.now();
    if (now - this.dropLogWindow > DROP_LOG_WINDOW_MS) {
      if (this.dropSuppressed > 0) {
        this.logger.warn(
          `${this.dropSuppressed} more telemetry messages dropped (see labwire_telemetry_messages_dropped_total)`,
        );
      }
      this.dropLogWindow = now;
      this.dropLogCount = 0;
      this.dropSuppressed = 0;
    }
    if (this.dropLogCount++ < DROP_LOG_LIMIT) {
      this.logger.warn(`telemetry message from ${source} dropped (${reason}): ${detail}`);
    } else {
      this.dropSuppressed++;
    }
  }
}
