import { Processor } from '@nestjs/bullmq';
import { AlertJobsService } from '@labwire/domain';
import { JobName, QueueName } from '@labwire/queue';
import { JobHandlers } from './job-handlers';
import { QueueProcessor } from './queue-processor';

/** Alerts: escalation, auto-resolution and republishing the current alert for displays. */
@Processor(QueueName.Alerts, { autorun: false })
export class AlertsProcessor extends QueueProcessor<QueueName.Alerts> {
  readonly queue = QueueName.Alerts;

  protected readonly handlers: JobHandlers<QueueName.Alerts> = {
    [JobName.AlertsEscalate]: (job) => this.alerts.escalate(job.data.alertId, job.data.escalations),
    [JobName.AlertsAutoResolve]: (job) => this.alerts.autoResolve(job.data.alertId, job.data.round),
    [JobName.AlertsPublishDisplay]: (job) => this.alerts.publishDisplay(job.data.workspaceId),
  };

  constructor(private readonly alerts: AlertJobsService) {
    super();
  }
}
