import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ValidationError } from '@labwire/core';

export const ALERT_STATS_GROUPS = ['key', 'priority', 'instrument'] as const;
export type AlertStatsGroupBy = (typeof ALERT_STATS_GROUPS)[number];

/** Seconds from opening to acknowledgement (or resolution) over the alerts that got there. */
export interface DurationStats {
  count: number;
  meanSeconds: number | null;
  p90Seconds: number | null;
}

export interface AlertStatsFigures {
  /** alerts opened in the window */
  opened: number;
  /** triggers of those alerts (the opening one included) */
  triggers: number;
  acknowledged: number;
  resolved: number;
  timeToAcknowledge: DurationStats;
  timeToResolve: DurationStats;
  /** alerts opened within an hour after the previous alert of the same key and instrument was resolved */
  flapping: number;
}

export interface AlertStatsGroup extends AlertStatsFigures {
  /** the key, the priority (as text) or the instrument id (null: alerts without an instrument) */
  group: string | null;
}

export interface AlertStats extends AlertStatsFigures {
  from: Date;
  to: Date;
  /** open now (whatever the window): active and acknowledged */
  openNow: { total: number; active: number; acknowledged: number };
  /** transitions recorded in the window, by action */
  transitions: Record<string, number>;
  /** the keys with the most triggers in the window, most first (at most 10) */
  noisiestKeys: Array<{ key: string; triggers: number }>;
  groupBy: AlertStatsGroupBy | null;
  groups: AlertStatsGroup[];
}

const GROUP_EXPR: Record<AlertStatsGroupBy, string> = {
  key: 'key',
  priority: 'priority::text',
  instrument: 'instrument_id::text',
};

const FIGURES = `count(*)::int AS opened, coalesce(sum(trigger_count), 0)::int AS triggers,
  count(acknowledged_at)::int AS acknowledged, count(resolved_at)::int AS resolved,
  count(tta)::int AS "ttaCount", avg(tta)::float8 AS "ttaMean",
  (percentile_cont(0.9) WITHIN GROUP (ORDER BY tta))::float8 AS "ttaP90",
  count(ttr)::int AS "ttrCount", avg(ttr)::float8 AS "ttrMean",
  (percentile_cont(0.9) WITHIN GROUP (ORDER BY ttr))::float8 AS "ttrP90",
  count(*) FILTER (WHERE flapped)::int AS flapping`;

interface FigureRow {
  group?: string | null;
  opened: number;
  triggers: number;
  acknowledged: number;
  resolved: number;
  ttaCount: number;
  ttaMean: number | null;
  ttaP90: number | null;
  ttrCount: number;
  ttrMean: number | null;
  ttrP90: number | null;
  flapping: number;
}

const round = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);

function figures(r: FigureRow): AlertStatsFigures {
  return {
    opened: r.opened,
    triggers: r.triggers,
    acknowledged: r.acknowledged,
    resolved: r.resolved,
    timeToAcknowledge: { count: r.ttaCount, meanSeconds: round(r.ttaMean), p90Seconds: round(r.ttaP90) },
    timeToResolve: { count: r.ttrCount, meanSeconds: round(r.ttrMean), p90Seconds: round(r.ttrP90) },
    flapping: r.flapping,
  };
}

export const DEFAULT_ALERT_STATS_DAYS = 7;

/** Alert figures of a workspace over a window of opening times (PostgreSQL does the arithmetic). */
@Injectable()
export class AlertStatsService {
  constructor(private readonly dataSource: DataSource) {}

  async stats(
    workspaceId: string,
    window: { from?: Date; to?: Date },
    groupBy: AlertStatsGroupBy | null,
  ): Promise<AlertStats> {
    const to = window.to ?? new Date();
    const from = window.from ?? new Date(to.getTime() - DEFAULT_ALERT_STATS_DAYS * 86400_000);
    if (from.getTime() >= to.getTime())
      throw new ValidationError('from must be before to', [{ field: 'from', message: 'must be before to' }]);
    const base = `WITH w AS (
      SELECT a.*, extract(epoch FROM a.acknowledged_at - a.opened_at) AS tta,
             extract(epoch FROM a.resolved_at - a.opened_at) AS ttr,
             EXISTS (SELECT 1 FROM alerts p
                      WHERE p.workspace_id = a.workspace_id AND p.key = a.key
                        AND p.instrument_id IS NOT DISTINCT FROM a.instrument_id AND p.id <> a.id
                        AND p.resolved_at <= a.opened_at AND p.resolved_at > a.opened_at - interval '1 hour') AS flapped
        FROM alerts a WHERE a.workspace_id = $1 AND a.opened_at >= $2 AND a.opened_at < $3)`;
    const params = [workspaceId, from, to];
    const [overall] = (await this.dataSource.query(`${base} SELECT ${FIGURES} FROM w`, params)) as FigureRow[];
    const groups: FigureRow[] = groupBy
      ? await this.dataSource.query(
          `${base} SELECT ${GROUP_EXPR[groupBy]} AS "group", ${FIGURES} FROM w GROUP BY 1 ORDER BY opened DESC, 1`,
          params,
        )
      : [];
    const [open] = (await this.dataSource.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE state = 'active')::int AS active,
              count(*) FILTER (WHERE state = 'acknowledged')::int AS acknowledged
         FROM alerts WHERE workspace_id = $1 AND state <> 'resolved'`,
      [workspaceId],
    )) as Array<{ total: number; active: number; acknowledged: number }>;
    const transitions = (await this.dataSource.query(
      `SELECT action, count(*)::int AS n FROM alert_history WHERE workspace_id = $1 AND at >= $2 AND at < $3 GROUP BY action`,
      params,
    )) as Array<{ action: string; n: number }>;
    const noisiest = (await this.dataSource.query(
      `SELECT key, count(*)::int AS triggers FROM alert_history
        WHERE workspace_id = $1 AND at >= $2 AND at < $3 AND action IN ('triggered', 'retriggered', 'suppressed')
        GROUP BY key ORDER BY triggers DESC, key LIMIT 10`,
      params,
    )) as Array<{ key: string; triggers: number }>;
    return {
      from,
      to,
      ...figures(overall),
      openNow: open,
      transitions: Object.fromEntries(transitions.map((t) => [t.action, t.n])),
      noisiestKeys: noisiest,
      groupBy,
      groups: groups.map((g) => ({ group: g.group ?? null, ...figures(g) })),
    };
  }
}
