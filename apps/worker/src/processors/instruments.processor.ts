import { Processor } from '@nestjs/bullmq';
import { CommandDispatcher, CommandLifecycleService, InstrumentStateService } from '@labwire/domain';
import { JobName, QueueName } from '@labwire/queue';
import { JobHandlers } from './job-handlers';
import { QueueProcessor } from './queue-processor';

/** Instruments' live state and their commands: silence checks, sending, timeouts, expiry, the sweep. */
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
  };

  constructor(
    private readonly states: InstrumentStateService,
    private readonly dispatcher: CommandDispatcher,
    private readonly lifecycle: CommandLifecycleService,
  ) {
    super();
  }
}
