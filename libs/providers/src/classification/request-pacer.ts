/**
 * Spaces out requests to a rate-limited endpoint: `acquire` resolves when the next request may be
 * sent (and takes that slot). Implementations: IntervalPacer (one process) and the domain's
 * Redis-backed pacer (every worker sharing one limit).
 */
export interface RequestPacer {
  acquire(signal?: AbortSignal): Promise<void>;
}

/** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * At most `perMinute` requests a minute from this process, evenly spaced (60 000 / perMinute ms
 * apart): no bursts at the start of a window.
 */
export class IntervalPacer implements RequestPacer {
  private next = 0;
  private readonly intervalMs: number;

  constructor(
    perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.intervalMs = 60_000 / perMinute;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    const now = this.now();
    const slot = Math.max(now, this.next);
    this.next = slot + this.intervalMs;
    await sleep(slot - now, signal);
  }
}
