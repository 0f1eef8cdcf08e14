import { Processor } from '@nestjs/bullmq';
import { ClassificationRunService, JobRunner } from '@labwire/domain';
import { CLASSIFICATION_WORKER_OPTIONS, JobName, QueueName } from '@labwire/queue';
import { attemptOf } from './job-attempt';
import { JobHandlers } from './job-handlers';
import { QueueProcessor } from './queue-processor';

/** Records labelled with classification schemes (Jobs-API jobs: progress, cancel, retry). */
@Processor(QueueName.Classification, { autorun: false, ...CLASSIFICATION_WORKER_OPTIONS })
export class ClassificationProcessor extends QueueProcessor<QueueName.Classification> {
  readonly queue = QueueName.Classification;

  protected readonly handlers: JobHandlers<QueueName.Classification> = {
    [JobName.ClassificationRun]: async (job, signal) => {
      const run = await this.runner.run(job.data, attemptOf(job), signal, (context) =>
        this.classification.run(context, signal),
      );
      return {
        outcome: run.outcome,
        classified: run.result?.classified ?? 0,
        inserted: run.result?.inserted ?? 0,
      };
    },
  };

  constructor(
    private readonly runner: JobRunner,
    private readonly classification: ClassificationRunService,
  ) {
    super();
  }
}
