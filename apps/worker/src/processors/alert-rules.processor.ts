import { Processor } from '@nestjs/bullmq';
import { AlertRuleActions, AlertRuleSweepService } from '@labwire/domain';
import { JobName, QueueName } from '@labwire/queue';
import { JobHandlers } from './job-handlers';
import { QueueProcessor } from './queue-processor';

/** Alert rules that time evaluates (no-data, connectivity), and the alert actions rules owe. */
@Processor(QueueName.AlertRules, { autorun: false })
export class AlertRulesProcessor extends QueueProcessor<QueueName.AlertRules> {
  readonly queue = QueueName.AlertRules;

  protected readonly handlers: JobHandlers<QueueName.AlertRules> = {
    [JobName.AlertRulesSweep]: () => this.sweep.sweep(),
    [JobName.AlertRulesCheckInstrument]: (job) => this.sweep.sweep(job.data.instrumentId),
    [JobName.AlertRulesPerform]: async (job) => ({ performed: await this.actions.performPairs(job.data.pairs) }),
  };

  constructor(
    private readonly sweep: AlertRuleSweepService,
    private readonly actions: AlertRuleActions,
  ) {
    super();
  }
}
