import { Processor } from '@nestjs/bullmq';
import { TelemetryIngestService } from '@labwire/domain';
import { JobName, QueueName, TELEMETRY_WORKER_OPTIONS } from '@labwire/queue';
import { JobHandlers } from './job-handlers';
import { QueueProcessor } from './queue-processor';

/** Stores telemetry batches queued by the MQTT bridge and REST uploads. */
@Processor(QueueName.Telemetry, { autorun: false, ...TELEMETRY_WORKER_OPTIONS })
export class TelemetryProcessor extends QueueProcessor<QueueName.Telemetry> {
  readonly queue = QueueName.Telemetry;

  protected readonly handlers: JobHandlers<QueueName.Telemetry> = {
    [JobName.TelemetryStoreBatch]: (job) =>
      this.ingest.storeBatch(
        job.data.readings.map((r) => ({
          time: new Date(r.time),
          instrumentId: r.instrumentId,
          metric: r.metric,
          value: r.value,
          tags: r.tags ?? null,
        })),
        { source: job.data.source, receivedAt: new Date(job.data.receivedAt) },
      ),
  };

  constructor(private readonly ingest: TelemetryIngestService) {
    super();
  }
}
