import { Processor } from '@nestjs/bullmq';
import { ExportService, ImportService, JobRunner } from '@labwire/domain';
import { JobName, QueueName, TRANSFER_WORKER_OPTIONS } from '@labwire/queue';
import { attemptOf } from './job-attempt';
import { JobHandlers } from './job-handlers';
import { QueueProcessor } from './queue-processor';

/** Workspace exports and imports (Jobs-API jobs: progress, cancel, retry). */
@Processor(QueueName.Transfer, { autorun: false, ...TRANSFER_WORKER_OPTIONS })
export class TransferProcessor extends QueueProcessor<QueueName.Transfer> {
  readonly queue = QueueName.Transfer;

  protected readonly handlers: JobHandlers<QueueName.Transfer> = {
    [JobName.TransferExport]: async (job, signal) => {
      const run = await this.runner.run(job.data, attemptOf(job), signal, (context) => this.exports.run(context));
      return { outcome: run.outcome, lines: 0, bytes: 0, ...run.result };
    },
    [JobName.TransferImport]: async (job, signal) => {
      const run = await this.runner.run(job.data, attemptOf(job), signal, (context) => this.imports.run(context));
      const written = run.result?.written;
      return {
        outcome: run.outcome,
        written:
          typeof written === 'object' && written
            ? Object.values(written as Record<string, number>).reduce((a, b) => a + b, 0)
            : 0,
      };
    },
  };

  constructor(
    private readonly runner: JobRunner,
    private readonly exports: ExportService,
    private readonly imports: ImportService,
  ) {
    super();
  }
}
