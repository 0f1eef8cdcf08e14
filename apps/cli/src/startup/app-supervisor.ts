import { ChildProcess, spawn } from 'node:child_process';

export interface SupervisedApp {
  name: string;
  /** the built entry point, e.g. dist/apps/api/main.js */
  entry: string;
}

/**
 * Runs api and worker as child processes sharing this terminal. SIGINT/SIGTERM are passed on so each
 * drains gracefully; if one of them dies on its own, the other is stopped too, so `npm start` never
 * leaves half of Labwire running.
 */
export class AppSupervisor {
  private readonly children = new Map<string, ChildProcess>();
  private stopping = false;
  private firstFailure: number | undefined;

  constructor(
    private readonly apps: SupervisedApp[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts every app; resolves with the exit code `npm start` should end with, once all have exited. */
  run(): Promise<number> {
    const forward = (signal: NodeJS.Signals) => this.stop(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const exits = this.apps.map(
      (app) =>
        new Promise<number>((resolve) => {
          const child = spawn(process.execPath, [app.entry], { env: this.env, stdio: 'inherit' });
          this.children.set(app.name, child);
          child.once('exit', (code, signal) => {
            this.children.delete(app.name);
            const status = code ?? (signal ? 0 : 1);
            if (!this.stopping) {
              this.log(`${app.name} exited unexpectedly (${code ?? signal}): stopping the others`);
              this.firstFailure = status || 1;
              this.stop('SIGTERM');
            }
            resolve(status);
          });
        }),
    );
    return Promise.all(exits).then((codes) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      return this.firstFailure ?? Math.max(0, ...codes);
    });
  }

  stop(signal: NodeJS.Signals): void {
    if (!this.stopping) this.log(`stopping ${[...this.children.keys()].join(' and ')} (${signal})`);
    this.stopping = true;
    for (const child of this.children.values()) child.kill(signal);
  }
}
