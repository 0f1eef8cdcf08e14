import { Processor } from '@nestjs/bullmq';
import { AlertRuleEvaluator, JobRunner, TelemetryBackfillService, TelemetryIngestService } from '@labwire/domain';
import { JobName, QueueName, TELEMETRY_WORKER_OPTIONS } from '@labwire/queue';
import { attemptOf } from './job-attempt';
import { JobHandlers } from './job-handlers';
import { QueueProcessor } from './queue-processor';

/** Stores telemetry batches queued by the MQTT bridge, and REST backfills (Jobs-API jobs). */
@Processor(QueueName.Telemetry, { autorun: false, ...TELEMETRY_WORKER_OPTIONS })
export class TelemetryProcessor extends QueueProcessor<QueueName.Telemetry> {
  readonly queue = QueueName.Telemetry;

  protected readonly handlers: JobHandlers<QueueName.Telemetry> = {
    [JobName.TelemetryStoreBatch]: async (job) => {
      const readings = job.data.readings.map((r) => ({
        time: new Date(r.time),
        instrumentId: r.instrumentId,
        metric: r.metric,
        value: r.value,
        tags: r.tags ?? null,
      }));
      const origin = { source: job.data.source, receivedAt: new Date(job.data.receivedAt) };
      const result = await this.ingest.storeBatch(readings, origin);
      // After storing: a failure here retries the job, which stores nothing twice and replays the
      // rules from their persisted state (samples already applied are ignored).
      await this.rules.afterStored(readings, origin);
      return result;
    },
    [JobName.TelemetryBackfill]: async (job, signal) => {
      const run = await this.runner.run(job.data, attemptOf(job), signal, (context) => this.backfill.run(context));
      return { outcome: run.outcome, inserted: 0, duplicates: 0, rejected: 0, ...run.result };
    },
  };

  constructor(
    private readonly ingest: TelemetryIngestService,
    private readonly runner: JobRunner,
    private readonly backfill: TelemetryBackfillService,
    private readonly rules: AlertRuleEvaluator,
  ) {
    super();
  }
}
