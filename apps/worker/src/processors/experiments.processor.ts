import { Processor } from '@nestjs/bullmq';
import { ExperimentRunService, JobRunner } from '@labwire/domain';
import { EXPERIMENTS_WORKER_OPTIONS, JobName, QueueName } from '@labwire/queue';
import { attemptOf } from './job-attempt';
import { JobHandlers } from './job-handlers';
import { QueueProcessor } from './queue-processor';

/** Experiment runs (Jobs-API jobs: progress, resume at the step in progress). */
@Processor(QueueName.Experiments, { autorun: false, ...EXPERIMENTS_WORKER_OPTIONS })
export class ExperimentsProcessor extends QueueProcessor<QueueName.Experiments> {
  readonly queue = QueueName.Experiments;

  protected readonly handlers: JobHandlers<QueueName.Experiments> = {
    [JobName.ExperimentRun]: async (job, signal) => {
      let experimentId: string | undefined;
      const run = await this.runner.run(job.data, attemptOf(job), signal, (context) => {
        experimentId = (context.job.input as { experimentId?: string }).experimentId;
        return this.experiments.run(context, signal);
      });
      // the job failed for good: the experiment fails with it and frees its instruments
      if (run.outcome === 'failed' && experimentId) {
        await this.experiments.fail(job.data.workspaceId, experimentId, 'the run failed; its job has the error');
      }
      return { outcome: run.outcome, experimentStatus: run.result?.status ?? null };
    },
  };

  constructor(
    private readonly runner: JobRunner,
    private readonly experiments: ExperimentRunService,
  ) {
    super();
  }
}
