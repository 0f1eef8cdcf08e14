import { Processor } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Logger } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { ExperimentRunService, JobPausedError, JobRunner } from '@labwire/domain';
import { EXPERIMENTS_WORKER_OPTIONS, JobName, QueueName } from '@labwire/queue';
import { attemptOf } from './job-attempt';
import { JobHandlers } from './job-handlers';
import { QueueProcessor } from './queue-processor';

/** A paused run is taken up again after this (by another worker, or this one once restarted). */
const RESUME_AFTER_MS = 1000;

/**
 * Experiment runs (Jobs-API jobs: progress, resume at the step in progress). On shutdown the runs
 * are paused rather than waited for (their waits can last hours): each goes back to the queue,
 * delayed briefly and without spending an attempt, and the next run resumes it at the same step.
 */
@Processor(QueueName.Experiments, { autorun: false, ...EXPERIMENTS_WORKER_OPTIONS })
export class ExperimentsProcessor extends QueueProcessor<QueueName.Experiments> implements BeforeApplicationShutdown {
  readonly queue = QueueName.Experiments;
  private readonly logger = new Logger('ExperimentsProcessor');

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
      // cancelled before this run could start it (or gone: cancelled while queued between attempts, its
      // queue entry not removed): the experiment is aborted here instead (no-op unless it is running)
      if (run.outcome === 'cancelled' || run.outcome === 'skipped')
        await this.experiments.abortAfterCancelledJob(job.data.workspaceId, job.data.jobId);
      return { outcome: run.outcome, experimentStatus: run.result?.status ?? null };
    },
  };

  constructor(
    private readonly runner: JobRunner,
    private readonly experiments: ExperimentRunService,
  ) {
    super();
  }

  /** BullMQ gave the run up (its workers kept dying): the experiment ends with its job. */
  override afterAbandoned(job: Job): Promise<void> {
    const { workspaceId, jobId } = job.data as { workspaceId: string; jobId: string };
    return this.experiments.endWithAbandonedJob(workspaceId, jobId);
  }

  override async process(job: Job, token?: string): Promise<unknown> {
    try {
      return await super.process(job);
    } catch (err) {
      if (!(err instanceof JobPausedError) || !token) throw err;
      await job.moveToDelayed(Date.now() + RESUME_AFTER_MS, token);
      throw new DelayedError();
    }
  }

  /** Runs alongside WorkerRunner's (same module), which waits for active jobs: these end now. */
  beforeApplicationShutdown(): void {
    const paused = this.experiments.pauseAll();
    if (paused) this.logger.log(`${paused} experiment run(s) paused for the shutdown; the next worker resumes them`);
  }
}
