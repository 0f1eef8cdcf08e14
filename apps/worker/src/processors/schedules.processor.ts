import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobRunner, ScheduleRunService, ScheduleSync, TelemetryExportService } from '@labwire/domain';
import { JobName, QueueName } from '@labwire/queue';
import { attemptOf } from './job-attempt';
import { JobHandlers } from './job-handlers';
import { QueueProcessor } from './queue-processor';

/** The tick a job scheduler's job was made for: BullMQ names it `repeat:<schedulerId>:<millis>`. */
export function firedAtOf(job: Pick<Job, 'id'>): Date | null {
  const millis = /:(\d+)$/.exec(job.id ?? '')?.[1];
  return millis ? new Date(Number(millis)) : null;
}

/** Users' schedules: each tick starts its run; the reconciliation keeps BullMQ in line with the table. */
@Processor(QueueName.Schedules, { autorun: false })
export class SchedulesProcessor extends QueueProcessor<QueueName.Schedules> {
  readonly queue = QueueName.Schedules;

  protected readonly handlers: JobHandlers<QueueName.Schedules> = {
    [JobName.ScheduleTick]: (job) => this.runs.tick(job.data, firedAtOf(job)),
    [JobName.SchedulesReconcile]: () => this.sync.reconcileAll(),
    [JobName.ScheduleTelemetryExport]: async (job, signal) => {
      const run = await this.runner.run(job.data, attemptOf(job), signal, (context) => this.exports.run(context));
      return { outcome: run.outcome, rows: run.result?.rows ?? 0 };
    },
    [JobName.ScheduleExportsPurge]: () => this.exports.purgeExpired(),
  };

  constructor(
    private readonly runs: ScheduleRunService,
    private readonly sync: ScheduleSync,
    private readonly runner: JobRunner,
    private readonly exports: TelemetryExportService,
  ) {
    super();
  }
}
