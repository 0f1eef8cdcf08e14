import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import {
  JOB_DEFINITIONS,
  JOB_NAMES,
  QueueRegistry,
  registerQueueDepthGauge,
  TelemetryStoreBatchData,
  TelemetryStoreBatchResult,
} from '@labwire/queue';

/** The worker's Prometheus registry: process metrics, job outcomes and durations, queue depths. */
@Injectable()
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly completed: Counter<'queue' | 'name'>;
  private readonly failed: Counter<'queue' | 'name'>;
  private readonly duration: Histogram<'queue' | 'name' | 'status'>;
  private readonly readingsStored: Counter<'source' | 'outcome'>;
  private readonly storeLag: Histogram<'source'>;

  constructor(queues: QueueRegistry) {
    collectDefaultMetrics({ register: this.registry });
    this.completed = new Counter({
      name: 'labwire_jobs_completed_total',
      help: 'Jobs this worker process completed, by queue and job name',
      labelNames: ['queue', 'name'],
      registers: [this.registry],
    });
    this.failed = new Counter({
      name: 'labwire_jobs_failed_total',
      help: 'Job attempts that failed in this worker process (each retry counts), by queue and job name',
      labelNames: ['queue', 'name'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'labwire_job_duration_seconds',
      help: 'Time from a job attempt starting to finishing, by queue, job name and outcome',
      labelNames: ['queue', 'name', 'status'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
      registers: [this.registry],
    });
    this.readingsStored = new Counter({
      name: 'labwire_telemetry_readings_stored_total',
      help: 'Readings of telemetry batches this worker finished, by source (mqtt, rest) and outcome (inserted; duplicate: already stored, e.g. a redelivery; rejected: outside the storable time window)',
      labelNames: ['source', 'outcome'],
      registers: [this.registry],
    });
    this.storeLag = new Histogram({
      name: 'labwire_telemetry_store_lag_seconds',
      help: 'From a batch reaching Labwire (its first reading at the bridge or REST api) to being stored',
      labelNames: ['source'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [this.registry],
    });
    registerQueueDepthGauge(this.registry, queues);
    for (const source of ['mqtt', 'rest']) {
      for (const outcome of ['inserted', 'duplicate', 'rejected']) this.readingsStored.inc({ source, outcome }, 0);
    }
    // Export every series from the start, so rates and alerts work before the first job finishes.
    for (const name of JOB_NAMES) {
      const labels = { queue: JOB_DEFINITIONS[name].queue, name };
      this.completed.inc(labels, 0);
      this.failed.inc(labels, 0);
    }
  }

  jobFinished(queue: string, name: string, status: 'completed' | 'failed', seconds: number | undefined): void {
    (status === 'completed' ? this.completed : this.failed).inc({ queue, name });
    if (seconds !== undefined) this.duration.observe({ queue, name, status }, seconds);
  }

  telemetryStored(data: TelemetryStoreBatchData, result: TelemetryStoreBatchResult, now = Date.now()): void {
    const source = data.source;
    this.readingsStored.inc({ source, outcome: 'inserted' }, result.inserted);
    this.readingsStored.inc({ source, outcome: 'duplicate' }, result.duplicates);
    this.readingsStored.inc({ source, outcome: 'rejected' }, result.rejected ?? 0);
    const received = Date.parse(data.receivedAt);
    if (Number.isFinite(received)) this.storeLag.observe({ source }, Math.max(0, now - received) / 1000);
  }
}
