import { WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JOB_DEFINITIONS, JobName, processInJobSpan, QueueName } from '@labwire/queue';
import { JobHandler, JobHandlers } from './job-handlers';
import { JobTimeoutError, UnknownJobError } from './worker.errors';

/**
 * Base of every processor: dispatches on `job.name` to the handler map and bounds each run by the
 * job's timeout. Subclasses are thin: `@Processor(QueueName.X)`, the queue, and one handler per job
 * name that calls a domain service.
 */
export abstract class QueueProcessor<Q extends QueueName> extends WorkerHost {
  abstract readonly queue: Q;
  protected abstract readonly handlers: JobHandlers<Q>;

  /** The job names this processor handles; the boot-time registry check reads it. */
  handledJobNames(): string[] {
    return Object.keys(this.handlers);
  }

  /**
   * BullMQ gave a tracked job of this queue up without a run (it stalled too often) and its job row
   * was ended (cancelled or failed): what else must end with it. Nothing by default.
   */
  afterAbandoned(_job: Job): Promise<void> {
    return Promise.resolve();
  }

  process(job: Job): Promise<unknown> {
    // The span continues the trace of whatever queued the job (a request, an MQTT message).
    return processInJobSpan(this.queue, job, () => this.run(job));
  }

  private async run(job: Job): Promise<unknown> {
    const handler = (this.handlers as unknown as Partial<Record<string, JobHandler<JobName>>>)[job.name];
    if (!handler) throw new UnknownJobError(this.queue, job.name);
    const name = job.name as JobName;
    const { timeoutMs } = JOB_DEFINITIONS[name];
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new JobTimeoutError(name, timeoutMs));
      }, timeoutMs);
    });
    try {
      return await Promise.race([handler(job as Parameters<typeof handler>[0], controller.signal), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
