import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type SenderStatus = 'accepted' | 'unknown' | 'retired';

interface Entry {
  status: SenderStatus;
  expiresAt: number;
}

/** Known instruments are cached longer than unknown ones, so a just-created instrument is heard soon. */
const KNOWN_TTL_MS = 60_000;
const UNKNOWN_TTL_MS = 5_000;
const MAX_ENTRIES = 100_000;

/**
 * Answers "may this instrument's telemetry be stored?" for the MQTT bridge, one query per batch of
 * cache misses rather than one per message. The broker already refuses retired and deleted
 * instruments (their clients are disabled at once), so a cached answer that is a minute old only
 * matters for the messages already in flight when that happened.
 */
@Injectable()
export class InstrumentDirectory {
  private readonly cache = new Map<string, Entry>();
  private waiting = new Map<string, Array<{ resolve: (s: SenderStatus) => void; reject: (e: Error) => void }>>();
  private scheduled = false;
  private running = false;

  constructor(private readonly dataSource: DataSource) {}

  /** Resolves from the cache when it can; misses arriving together share one query. */
  status(instrumentId: string, now = Date.now()): SenderStatus | Promise<SenderStatus> {
    const cached = this.cache.get(instrumentId);
    if (cached && cached.expiresAt > now) return cached.status;
    return new Promise<SenderStatus>((resolve, reject) => {
      let list = this.waiting.get(instrumentId);
      if (!list) this.waiting.set(instrumentId, (list = []));
      list.push({ resolve, reject });
      this.schedule();
    });
  }

  /** Forgets an instrument (e.g. after it was retired or deleted by this process). */
  forget(instrumentId: string): void {
    this.cache.delete(instrumentId);
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      void this.runLookup();
    });
  }

  private async runLookup(): Promise<void> {
    this.running = true;
    const batch = this.waiting;
    this.waiting = new Map();
    try {
      const ids = [...batch.keys()];
      const rows: Array<{ id: string; status: string }> = await this.dataSource.query(
        `SELECT id, status FROM instruments WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      const now = Date.now();
      if (this.cache.size + ids.length > MAX_ENTRIES) this.cache.clear();
      const found = new Map(rows.map((r) => [r.id, r.status]));
      for (const [id, waiters] of batch) {
        const status = found.get(id);
        const entry: Entry =
          status === undefined
            ? { status: 'unknown', expiresAt: now + UNKNOWN_TTL_MS }
            : { status: status === 'retired' ? 'retired' : 'accepted', expiresAt: now + KNOWN_TTL_MS };
        this.cache.set(id, entry);
        for (const w of waiters) w.resolve(entry.status);
      }
    } catch (err) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(err as Error);
    } finally {
      this.running = false;
      // Misses that arrived while this query ran get the next one.
      if (this.waiting.size > 0) this.schedule();
    }
  }
}
