import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobName, JobProducer } from '@labwire/queue';

export const ALERT_RULES_SWEEP_SCHEDULER_ID = 'alert-rules.sweep';
/** How often no-data and connectivity rules are evaluated: their resolution in time. */
export const ALERT_RULES_SWEEP_EVERY_MS = 5_000;

/** Keeps the rule sweep on a BullMQ job scheduler (a fixed id: one schedule for any number of workers). */
@Injectable()
export class AlertRulesScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('Schedules');

  constructor(private readonly producer: JobProducer) {}

  onApplicationBootstrap(): void {
    // Not awaited: with Redis down the worker still boots (and reports not ready) instead of hanging.
    const everyMs = ALERT_RULES_SWEEP_EVERY_MS;
    this.producer
      .schedule(ALERT_RULES_SWEEP_SCHEDULER_ID, JobName.AlertRulesSweep, {}, { everyMs })
      .then(() => this.logger.log(`alert rule sweep scheduled every ${everyMs / 1000} s`))
      .catch((err: Error) => this.logger.error(`could not schedule the alert rule sweep: ${err.message}`));
  }
}
