import { Processor } from '@nestjs/bullmq';
import {
  CommandDispatcher,
  CommandLifecycleService,
  InstrumentStateService,
  MaintenanceWindowService,
} from '@labwire/domain';
import { JobName, QueueName } from '@labwire/queue';
import { JobHandlers } from './job-handlers';
import { QueueProcessor } from './queue-processor';

/**
 * Instruments' live state and their commands (silence checks, sending, timeouts, expiry, the sweep),
 * and their status following maintenance windows (window edges, the sweep).
 */
@Processor(QueueName.Instruments, { autorun: false })
export class InstrumentsProcessor extends QueueProcessor<QueueName.Instruments> {
  readonly queue = QueueName.Instruments;

  protected readonly handlers: JobHandlers<QueueName.Instruments> = {
    [JobName.InstrumentCheckLiveness]: async () => ({ wentOffline: (await this.states.markSilentOffline()).length }),
    [JobName.InstrumentDispatchCommands]: async (job) => ({
      sent: await this.dispatcher.dispatchPending(job.data.instrumentId),
    }),
    [JobName.InstrumentCommandTimeout]: async (job) => ({
      outcome: (await this.lifecycle.timeOut(job.data.commandId)) ? 'timed_out' : 'unchanged',
    }),
    [JobName.InstrumentCommandExpire]: async (job) => ({
      outcome: (await this.lifecycle.expire(job.data.commandId)) ? 'expired' : 'unchanged',
    }),
    [JobName.InstrumentSweepCommands]: () => this.lifecycle.sweep(),
    [JobName.InstrumentMaintenanceEdge]: async (job) => ({
      outcome: await this.maintenance.reconcileEdge(job.data.workspaceId, job.data.instrumentId, new Date(job.data.at)),
    }),
    [JobName.InstrumentMaintenanceSweep]: async () => ({ reconciled: await this.maintenance.sweep() }),
  };

  constructor(
    private readonly states: InstrumentStateService,
    private readonly dispatcher: CommandDispatcher,
    private readonly lifecycle: CommandLifecycleService,
    private readonly maintenance: MaintenanceWindowService,
  ) {
    super();
  }
}
