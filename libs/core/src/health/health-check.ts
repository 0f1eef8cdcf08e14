import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';

/** One dependency a process needs to do its work; `check` rejects when it is not usable. */
export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

export interface DependencyStatus {
  status: 'up' | 'down';
  latencyMs: number;
  /** why a dependency is down: `timeout` or `failed` (details go to the log, not to callers) */
  error?: 'timeout' | 'failed';
}

export interface HealthReport {
  status: 'ok' | 'error';
  checks: Record<string, DependencyStatus>;
}

const logger = new Logger('Health');

async function runOne(check: HealthCheck, timeoutMs: number): Promise<DependencyStatus> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = Symbol('timeout');
  try {
    const outcome = await Promise.race([
      check.check(),
      new Promise<typeof timedOut>((resolve) => {
        timer = setTimeout(() => resolve(timedOut), timeoutMs);
      }),
    ]);
    const latencyMs = Math.round(performance.now() - started);
    if (outcome === timedOut) {
      logger.warn(`readiness: ${check.name} did not answer within ${timeoutMs} ms`);
      return { status: 'down', latencyMs, error: 'timeout' };
    }
    return { status: 'up', latencyMs };
  } catch (err) {
    logger.warn(`readiness: ${check.name} failed: ${(err as Error).message}`);
    return { status: 'down', latencyMs: Math.round(performance.now() - started), error: 'failed' };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check at once, each bounded by `timeoutMs`; the report is ok only when all are up. */
export async function runHealthChecks(checks: readonly HealthCheck[], timeoutMs = 3000): Promise<HealthReport> {
  const results = await Promise.all(checks.map((c) => runOne(c, timeoutMs)));
  const report: HealthReport = { status: 'ok', checks: {} };
  checks.forEach((c, i) => {
    report.checks[c.name] = results[i];
    if (results[i].status === 'down') report.status = 'error';
  });
  return report;
}

/** Redis answers PING. */
export function redisHealthCheck(redis: Redis, name = 'redis'): HealthCheck {
  return {
    name,
    async check() {
      const reply = await redis.ping();
      if (reply !== 'PONG') throw new Error(`unexpected PING reply ${reply}`);
    },
  };
}
