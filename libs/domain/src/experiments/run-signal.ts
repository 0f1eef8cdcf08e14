/** Thrown inside a run when its experiment is to stop now (an abort request, or the job's timeout). */
export class RunStoppedError extends Error {
  constructor(readonly reason: 'abort' | 'timeout' | 'shutdown') {
    super(
      reason === 'abort'
        ? 'the experiment was aborted'
        : reason === 'timeout'
          ? 'the run passed its timeout'
          : 'the worker is shutting down',
    );
    this.name = 'RunStoppedError';
  }
}

/** Resolves after `ms`, or rejects with RunStoppedError as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
