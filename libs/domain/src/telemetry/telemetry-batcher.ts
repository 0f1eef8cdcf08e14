import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { JobName, JobProducer, QueuedReading, TelemetryStoreBatchData } from '@labwire/queue';
import { TelemetryReading } from './telemetry-reading';

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

interface OpenBatch {
  readings: QueuedReading[];
  waiters: Waiter[];
  receivedAt: Date;
}

export interface FlushedBatch {
  readings: number;
  jobs: number;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

export class BatcherClosedError extends Error {
  constructor() {
    super('the telemetry batcher is closed');
  }
}

/**
 * Gathers readings from many MQTT messages into `telemetry.store-batch` jobs: a batch is queued when
 * it holds TELEMETRY_BATCH_SIZE readings or TELEMETRY_LINGER_MS after its first reading, whichever
 * comes first, with one addBulk per flush. `submit` resolves only once the readings are in Redis: the
 * bridge acknowledges a message to the broker after that, never before.
 *
 * When Redis is unavailable a flush keeps retrying (with backoff) rather than failing: the messages
 * stay unacknowledged meanwhile, the broker stops sending once the receive maximum is reached, and
 * nothing is lost or dropped.
 *
 * Memory is bounded: once TELEMETRY_BRIDGE_MAX_PENDING_READINGS readings are gathered or being queued,
 * `submit` waits for a flush to finish before it takes more. Its message stays unacknowledged
 * meanwhile, so the broker (receive maximum) holds back the rest: back-pressure, not a growing buffer.
 */
@Injectable()
export class TelemetryBatcher {
  private readonly logger = new Logger('TelemetryBatcher');
  private open?: OpenBatch;
  private timer?: NodeJS.Timeout;
  private closed = false;
  private failing = false;
  private readonly flushing = new Set<Promise<void>>();
  /** readings gathered or being queued, and the most there ever were */
  private pendingReadings = 0;
  private peakReadings = 0;
  private readonly roomWaiters: Array<() => void> = [];
  /** called after each successful flush (metrics) */
  onFlushed?: (batch: FlushedBatch) => void;

  constructor(
    private readonly producer: JobProducer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Readings held (gathered or being queued): at most about TELEMETRY_BRIDGE_MAX_PENDING_READINGS. */
  get pending(): number {
    return this.pendingReadings;
  }

  /** The most readings held at once since the process started (sizes TELEMETRY_BRIDGE_MAX_PENDING_READINGS). */
  get peakPending(): number {
    return this.peakReadings;
  }

  /**
   * Resolves once the batcher holds less than its cap. The bridge waits here before it parses a
   * message, so a message that waits holds only its payload, not its parsed readings as well.
   */
  async whenRoom(): Promise<void> {
    while (!this.closed && this.pendingReadings >= this.config.telemetry.maxPendingReadings) {
      this.flushSoon();
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
  }

  async submit(readings: TelemetryReading[], receivedAt: Date): Promise<void> {
    if (this.closed) throw new BatcherClosedError();
    if (readings.length === 0) return;
    // Something is always let in when nothing is held, so one message larger than the cap still passes.
    while (
      this.pendingReadings > 0 &&
      this.pendingReadings + readings.length > this.config.telemetry.maxPendingReadings
    ) {
      this.flushSoon();
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      if (this.closed) throw new BatcherClosedError();
    }
    this.pendingReadings += readings.length;
    if (this.pendingReadings > this.peakReadings) this.peakReadings = this.pendingReadings;
    const batch = (this.open ??= { readings: [], waiters: [], receivedAt });
    for (const r of readings) {
      batch.readings.push({
        time: r.time.toISOString(),
        instrumentId: r.instrumentId,
        metric: r.metric,
        value: r.value,
        ...(r.tags ? { tags: r.tags } : {}),
      });
    }
    const done = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    if (batch.readings.length >= this.config.telemetry.batchSize) this.flush();
    else this.flushSoon();
    return done;
  }

  private flushSoon(): void {
    this.timer ??= setTimeout(() => this.flush(), this.config.telemetry.lingerMs);
  }

  /** Readings left (queued, or given up at shutdown): wake the submits waiting for room. */
  private release(readings: number): void {
    this.pendingReadings -= readings;
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  /** Queues what is gathered and waits for every flush in progress (graceful shutdown). */
  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    for (const wake of this.roomWaiters.splice(0)) wake();
    await Promise.allSettled([...this.flushing]);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.open;
    this.open = undefined;
    if (!batch) return;
    const work = this.enqueue(batch).finally(() => this.release(batch.readings.length));
    this.flushing.add(work);
    void work.finally(() => this.flushing.delete(work));
  }

  private async enqueue(batch: OpenBatch): Promise<void> {
    const size = this.config.telemetry.batchSize;
    const receivedAt = batch.receivedAt.toISOString();
    const jobs: TelemetryStoreBatchData[] = [];
    for (let i = 0; i < batch.readings.length; i += size) {
      jobs.push({ readings: batch.readings.slice(i, i + size), source: 'mqtt', receivedAt });
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.producer.enqueueBulk(JobName.TelemetryStoreBatch, jobs);
        break;
      } catch (err) {
        if (this.closed) {
          // Shutting down: the messages stay unacknowledged, and the broker sends them again later.
          for (const w of batch.waiters) w.reject(err as Error);
          return;
        }
        if (!this.failing) {
          this.failing = true;
          this.logger.error(
            `queueing ${batch.readings.length} readings failed, retrying until Redis answers ` +
              `(their MQTT messages stay unacknowledged): ${(err as Error).message}`,
          );
        }
        await new Promise((r) => setTimeout(r, Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt)));
      }
    }
    if (this.failing) {
      this.failing = false;
      this.logger.log('queueing telemetry works again');
    }
    this.onFlushed?.({ readings: batch.readings.length, jobs: jobs.length });
    for (const w of batch.waiters) w.resolve();
  }
}
