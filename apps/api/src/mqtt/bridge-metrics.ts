import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { TELEMETRY_DROP_REASONS, TelemetryDropReason } from '@labwire/domain';
import { ApiMetrics } from '../metrics/api-metrics';

/** The MQTT bridge's series on the api's /metrics (the worker exports stored readings and lag). */
@Injectable()
export class BridgeMetrics {
  readonly messages: Counter;
  readonly readingsReceived: Counter;
  readonly readingsEnqueued: Counter;
  readonly dropped: Counter<'reason'>;
  readonly batchSize: Histogram;
  readonly unacknowledged: Gauge;
  readonly pendingReadings: Gauge;
  readonly peakPendingReadings: Gauge;
  private unacknowledgedSource: () => number = () => 0;
  private pendingSource: { now: () => number; peak: () => number } = { now: () => 0, peak: () => 0 };

  constructor(metrics: ApiMetrics) {
    const registers = [metrics.registry];
    this.messages = new Counter({
      name: 'labwire_telemetry_messages_received_total',
      help: 'MQTT telemetry messages received by this api replica',
      registers,
    });
    this.readingsReceived = new Counter({
      name: 'labwire_telemetry_readings_received_total',
      help: 'Readings in telemetry messages that passed validation',
      registers,
    });
    this.readingsEnqueued = new Counter({
      name: 'labwire_telemetry_readings_enqueued_total',
      help: 'Readings queued for storage (in Redis); their messages were acknowledged after this',
      registers,
    });
    this.dropped = new Counter({
      name: 'labwire_telemetry_messages_dropped_total',
      help: 'Telemetry messages dropped, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'labwire_telemetry_batch_readings',
      help: 'Readings per flush of the bridge batcher (one addBulk)',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers,
    });
    const unacknowledged = () => this.unacknowledgedSource();
    this.unacknowledged = new Gauge({
      name: 'labwire_mqtt_unacknowledged_messages',
      help: 'QoS 1 messages received whose PUBACK waits for their handler (telemetry: for the queue)',
      registers,
      collect() {
        this.set(unacknowledged());
      },
    });
    const pending = () => this.pendingSource;
    this.pendingReadings = new Gauge({
      name: 'labwire_telemetry_bridge_pending_readings',
      help: 'Readings the bridge holds (gathered or being queued); at most about TELEMETRY_BRIDGE_MAX_PENDING_READINGS',
      registers,
      collect() {
        this.set(pending().now());
      },
    });
    this.peakPendingReadings = new Gauge({
      name: 'labwire_telemetry_bridge_pending_readings_peak',
      help: 'The most readings the bridge held at once since it started',
      registers,
      collect() {
        this.set(pending().peak());
      },
    });
    for (const reason of TELEMETRY_DROP_REASONS) this.dropped.inc({ reason }, 0);
  }

  /** The MQTT server reports its pending acknowledgements through this (set once it exists). */
  watchUnacknowledged(source: () => number): void {
    this.unacknowledgedSource = source;
  }

  /** The batcher reports the readings it holds through this. */
  watchPending(now: () => number, peak: () => number): void {
    this.pendingSource = { now, peak };
  }

  drop(reason: TelemetryDropReason): void {
    this.dropped.inc({ reason });
  }
}
