import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, REDIS } from '@labwire/core';
import { compileThreshold, RuleCondition, SampleOf } from './alert-rule-condition';
import { SCOPE_MATCH_SQL } from './alert-rule-definition';
import { ruleIndexChannel, ruleIndexVersionKey } from './alert-rule-index-signal';
import { Timing } from './alert-rule-machine';

/** A threshold rule compiled for the hot path. */
export interface IndexedRule {
  id: string;
  timing: Timing;
  sampleOf: SampleOf;
}

interface InstrumentEntry {
  status: string;
  byMetric: Map<string, IndexedRule[]>;
}

/** An immutable snapshot: instrument → metric → the threshold rules evaluating it. */
export class RuleIndexSnapshot {
  constructor(
    private readonly instruments: Map<string, InstrumentEntry>,
    readonly ruleCount: number,
  ) {}

  get empty(): boolean {
    return this.instruments.size === 0;
  }

  rules(instrumentId: string, metric: string): IndexedRule[] | undefined {
    return this.instruments.get(instrumentId)?.byMetric.get(metric);
  }

  /** The instrument's status when the index was loaded (the write path re-reads it). */
  status(instrumentId: string): string {
    return this.instruments.get(instrumentId)?.status ?? 'active';
  }
}

interface Row {
  id: string;
  instrumentId: string;
  status: string;
  metric: string;
  condition: RuleCondition;
  threshold: number | null;
  low: number | null;
  high: number | null;
  clearThreshold: number | null;
  clearLow: number | null;
  clearHigh: number | null;
  forSeconds: number;
  clearForSeconds: number;
}

/** Reload at least this often, whatever the version says (covers a change whose signal was lost). */
const MAX_AGE_MS = 60_000;

/**
 * The worker's in-memory index of enabled threshold rules per instrument and metric. It follows rule
 * (and instrument) changes at once: before each batch it compares the Redis version counter with the
 * one it loaded (one GET per batch), and the change channel makes it reload eagerly between batches.
 * Reloads are single-flight; a reload that fails keeps the previous index and is tried again.
 */
@Injectable()
export class AlertRuleIndex implements OnApplicationShutdown {
  private readonly logger = new Logger('AlertRuleIndex');
  private snapshot = new RuleIndexSnapshot(new Map(), 0);
  private loadedVersion: string | null | undefined;
  private loadedAt = 0;
  private loading?: Promise<void>;
  private again = false;
  private subscriber?: Redis;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The index as of now: reloaded first if rules changed since it was loaded. */
  async current(): Promise<RuleIndexSnapshot> {
    this.listen();
    const version = await this.redis.get(ruleIndexVersionKey(this.config.redis.prefix));
    if (version !== this.loadedVersion || Date.now() - this.loadedAt > MAX_AGE_MS) await this.reload();
    return this.snapshot;
  }

  /**
   * Reloads, coalescing: callers arriving during a reload share it and get one more round after it
   * (which reads the version again), however many changes were announced meanwhile.
   */
  private reload(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        do {
          this.again = false;
          // The version first: a change committed after this read bumps it again and is seen next time.
          const version = await this.redis.get(ruleIndexVersionKey(this.config.redis.prefix));
          this.snapshot = await this.load();
          this.loadedVersion = version;
          this.loadedAt = Date.now();
        } while (this.again);
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  private async load(): Promise<RuleIndexSnapshot> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT r.id, i.id AS "instrumentId", i.status, r.metric, r.condition, r.threshold, r.low, r.high,
              r.clear_threshold AS "clearThreshold", r.clear_low AS "clearLow", r.clear_high AS "clearHigh",
              r.for_seconds AS "forSeconds", r.clear_for_seconds AS "clearForSeconds"
         FROM alert_rules r JOIN instruments i ON ${SCOPE_MATCH_SQL}
        WHERE r.enabled AND r.kind = 'threshold'`,
    );
    const compiled = new Map<string, IndexedRule>();
    const instruments = new Map<string, InstrumentEntry>();
    for (const row of rows) {
      let rule = compiled.get(row.id);
      if (!rule) {
        rule = {
          id: row.id,
          timing: { forMs: row.forSeconds * 1000, clearForMs: row.clearForSeconds * 1000 },
          sampleOf: compileThreshold(row),
        };
        compiled.set(row.id, rule);
      }
      let entry = instruments.get(row.instrumentId);
      if (!entry) instruments.set(row.instrumentId, (entry = { status: row.status, byMetric: new Map() }));
      let list = entry.byMetric.get(row.metric);
      if (!list) entry.byMetric.set(row.metric, (list = []));
      list.push(rule);
    }
    this.logger.debug?.(`rule index: ${compiled.size} threshold rules over ${instruments.size} instruments`);
    return new RuleIndexSnapshot(instruments, compiled.size);
  }

  /** Subscribes (once) to the change channel: a published version triggers a reload at once. */
  private listen(): void {
    if (this.subscriber) return;
    const channel = ruleIndexChannel(this.config.redis.prefix);
    this.subscriber = this.redis.duplicate();
    this.subscriber.on('message', (_channel: string, version: string) => {
      if (version === this.loadedVersion) return;
      this.reload().catch((err: Error) => this.logger.warn(`rule index not reloaded: ${err.message}`));
    });
    this.subscriber.on('error', () => undefined);
    this.subscriber
      .subscribe(channel)
      .catch((err: Error) => this.logger.warn(`rule changes not followed: ${err.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => undefined);
  }
}
