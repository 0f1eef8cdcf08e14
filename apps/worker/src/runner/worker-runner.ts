import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { JobRunner } from '@labwire/domain';
import {
  guardConnectionErrors,
  JobName,
  QueueName,
  TelemetryStoreBatchData,
  TelemetryStoreBatchResult,
  TRACKED_JOB_NAMES,
  TrackedJobData,
} from '@labwire/queue';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { QueueProcessor } from '../processors/queue-processor';
import { assertJobHandlers } from './job-handler-registry';
import { queueConcurrency } from './queue-concurrency';
import { QUEUE_PROCESSORS } from './queue-processors';

function attemptSeconds(job: Job): number | undefined {
  return job.processedOn && job.finishedOn ? (job.finishedOn - job.processedOn) / 1000 : undefined;
}

/**
 * Starts the BullMQ workers once the boot checks pass (every JobName handled, concurrency valid) and
 * stops them on shutdown, letting active jobs finish first.
 */
@Injectable()
export class WorkerRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Worker');
  private started = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(QUEUE_PROCESSORS) private readonly processors: ReadonlyArray<QueueProcessor<QueueName>>,
    private readonly metrics: WorkerMetrics,
    private readonly runner: JobRunner,
  ) {}

  onApplicationBootstrap(): void {
    assertJobHandlers(this.processors);
    const concurrency = queueConcurrency(this.config);
    for (const processor of this.processors) {
      const worker = guardConnectionErrors(processor.worker);
      worker.concurrency = concurrency[processor.queue];
      worker.on('error', (err) => this.logger.error(`queue ${processor.queue}: ${err.message}`));
      worker.on('completed', (job) => {
        this.metrics.jobFinished(processor.queue, job.name, 'completed', attemptSeconds(job));
        if (job.name === JobName.TelemetryStoreBatch) {
          // Many per second: counted in /metrics, logged only at debug level.
          this.metrics.telemetryStored(
            job.data as TelemetryStoreBatchData,
            job.returnvalue as TelemetryStoreBatchResult,
          );
          this.logger.debug(`job ${job.name} ${job.id} completed`);
          return;
        }
        this.logger.log(
          { queue: processor.queue, job: job.name, jobId: job.id, result: job.returnvalue as unknown },
          `job ${job.name} ${job.id} completed`,
        );
      });
      worker.on('failed', (job, err) => {
        if (job) this.metrics.jobFinished(processor.queue, job.name, 'failed', attemptSeconds(job));
        this.logger.warn(
          { queue: processor.queue, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err },
          `job ${job?.name} ${job?.id} failed: ${err.message}`,
        );
        // Failed by BullMQ itself, without a run (it stalled too often): no run recorded the end.
        if (job?.deferredFailure && (TRACKED_JOB_NAMES as readonly string[]).includes(job.name)) {
          this.runner
            .abandoned(job.data as TrackedJobData, job.deferredFailure)
            .then(() => processor.afterAbandoned(job))
            .catch((e: Error) => this.logger.error(`job ${job.id}: not marked as given up: ${e.message}`));
        }
      });
      worker.run().catch((err: Error) => this.logger.error(`queue ${processor.queue} stopped: ${err.message}`));
    }
    this.started = true;
    this.logger.log(
      `processing ${this.processors.map((p) => `${p.queue} (concurrency ${concurrency[p.queue]})`).join(', ')}`,
    );
  }

  /** Every worker is taking jobs (false before boot finished and once shutdown began). */
  isRunning(): boolean {
    return this.started && this.processors.every((p) => p.worker.isRunning());
  }

  /** Before pools close: stop taking jobs and wait for the active ones to finish. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.logger.log('stopping workers: waiting for active jobs to finish');
    await Promise.all(this.processors.map((p) => p.worker.close()));
    this.logger.log('workers stopped');
  }
}
