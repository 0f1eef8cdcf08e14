import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobName, JobProducer } from '@labwire/queue';

export const LIVENESS_SCHEDULER_ID = 'instruments.check-liveness';
export const COMMAND_SWEEP_SCHEDULER_ID = 'instruments.sweep-commands';
/** How often silent instruments are looked for, and overdue commands swept. */
export const LIVENESS_CHECK_EVERY_MS = 15_000;

/**
 * Keeps the silence check and the command sweep on BullMQ job schedulers (fixed ids, so any number of
 * workers keep one schedule each).
 */
@Injectable()
export class InstrumentLivenessScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('Schedules');

  constructor(private readonly producer: JobProducer) {}

  onApplicationBootstrap(): void {
    // Not awaited: with Redis down the worker still boots (and reports not ready) instead of hanging.
    const everyMs = LIVENESS_CHECK_EVERY_MS;
    this.producer
      .schedule(LIVENESS_SCHEDULER_ID, JobName.InstrumentCheckLiveness, {}, { everyMs })
      .then(() => this.logger.log(`instrument liveness check scheduled every ${everyMs / 1000} s`))
      .catch((err: Error) => this.logger.error(`could not schedule the instrument liveness check: ${err.message}`));
    this.producer
      .schedule(COMMAND_SWEEP_SCHEDULER_ID, JobName.InstrumentSweepCommands, {}, { everyMs })
      .then(() => this.logger.log(`command sweep scheduled every ${everyMs / 1000} s`))
      .catch((err: Error) => this.logger.error(`could not schedule the command sweep: ${err.message}`));
  }
}
