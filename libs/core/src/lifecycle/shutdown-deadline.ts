import { Logger } from '@nestjs/common';

/**
 * Graceful shutdown must not hang forever (a stuck request, a job that ignores its deadline): once a
 * SIGTERM or SIGINT arrives, the process is ended after `seconds` even if draining is not finished.
 * Kept shorter than the orchestrator's kill timeout (Kubernetes: 30 s) so the exit is ours.
 */
export function armShutdownDeadline(seconds: number, app: string): void {
  const arm = (signal: NodeJS.Signals) => {
    new Logger(app).log(`${signal} received: draining (at most ${seconds} s)`);
    setTimeout(() => {
      new Logger(app).error(`shutdown did not finish within ${seconds} s (SHUTDOWN_TIMEOUT): exiting`);
      process.exit(1);
    }, seconds * 1000).unref();
  };
  process.once('SIGTERM', arm);
  process.once('SIGINT', arm);
}
