import { Processor } from '@nestjs/bullmq';
import { ClassificationChainService, IngestionService, JobRunner } from '@labwire/domain';
import { INGESTION_WORKER_OPTIONS, JobName, QueueName } from '@labwire/queue';
import { attemptOf } from './job-attempt';
import { JobHandlers } from './job-handlers';
import { QueueProcessor } from './queue-processor';

/** Data sources turned into records (Jobs-API jobs: progress, cancel, retry). */
@Processor(QueueName.Ingestion, { autorun: false, ...INGESTION_WORKER_OPTIONS })
export class IngestionProcessor extends QueueProcessor<QueueName.Ingestion> {
  readonly queue = QueueName.Ingestion;

  protected readonly handlers: JobHandlers<QueueName.Ingestion> = {
    [JobName.IngestionRun]: async (job, signal) => {
      const run = await this.runner.run(job.data, attemptOf(job), signal, (context) =>
        this.ingestion.run(context, signal),
      );
      // The job chain: an upload that named a classification scheme is classified once ingested. A
      // run skipped because its job had succeeded already (a redelivery) makes sure of it too.
      if (run.outcome === 'succeeded' || run.outcome === 'skipped') await this.chain.afterIngestion(job.data);
      return { outcome: run.outcome, records: 0, inserted: 0, failed: 0, ...run.result };
    },
  };

  constructor(
    private readonly runner: JobRunner,
    private readonly ingestion: IngestionService,
    private readonly chain: ClassificationChainService,
  ) {
    super();
  }
}
