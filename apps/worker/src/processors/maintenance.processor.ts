import { Processor } from '@nestjs/bullmq';
import { CalibrationDueService, JobsService, MaintenanceService, TelemetryMaintenanceService } from '@labwire/domain';
import { JobName, QueueName } from '@labwire/queue';
import { JobHandlers } from './job-handlers';
import { QueueProcessor } from './queue-processor';

/** Workers start only after the boot-time checks (WorkerRunner), hence autorun: false. */
@Processor(QueueName.Maintenance, { autorun: false })
export class MaintenanceProcessor extends QueueProcessor<QueueName.Maintenance> {
  readonly queue = QueueName.Maintenance;

  protected readonly handlers: JobHandlers<QueueName.Maintenance> = {
    [JobName.MaintenancePurge]: () => this.maintenance.purge(),
    [JobName.TelemetryRetention]: () => this.telemetry.run(),
    [JobName.JobsSweep]: () => this.jobs.requeueOrphans(),
    [JobName.CalibrationCheckDue]: () => this.calibrationDue.checkDue(),
  };

  constructor(
    private readonly maintenance: MaintenanceService,
    private readonly telemetry: TelemetryMaintenanceService,
    private readonly jobs: JobsService,
    private readonly calibrationDue: CalibrationDueService,
  ) {
    super();
  }
}
