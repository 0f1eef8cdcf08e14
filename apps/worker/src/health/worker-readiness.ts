import { Inject, Injectable } from '@nestjs/common';
import { HealthCheck, HealthReport, runHealthChecks } from '@labwire/core';

/** Provider token: the dependencies the worker's /health/ready checks (built in WorkerModule). */
export const WORKER_READINESS_CHECKS = Symbol('WORKER_READINESS_CHECKS');

@Injectable()
export class WorkerReadiness {
  constructor(@Inject(WORKER_READINESS_CHECKS) private readonly checks: readonly HealthCheck[]) {}

  report(): Promise<HealthReport> {
    return runHealthChecks(this.checks);
  }
}
