import { AggregateQuery, RawQuery } from '@labwire/domain';
import { AggregateTelemetryQueryDto, RawTelemetryQueryDto, TelemetryRangeQueryDto } from './dto/telemetry-query.dto';

const DAY_MS = 86_400_000;

/** The time range of a read: `to` defaults to now, `from` to a day before `to`. */
export function range(q: TelemetryRangeQueryDto): { from: Date; to: Date } {
  const to = q.to ? new Date(q.to) : new Date();
  return { from: q.from ? new Date(q.from) : new Date(to.getTime() - DAY_MS), to };
}

export function rawQuery(q: RawTelemetryQueryDto): RawQuery {
  return { ...range(q), metrics: q.metrics, order: q.order ?? 'asc', limit: q.limit ?? 1000, cursor: q.cursor };
}

export function aggregateQuery(q: AggregateTelemetryQueryDto): AggregateQuery {
  return {
    ...range(q),
    bucket: q.bucket ?? '1h',
    functions: q.fn?.length ? q.fn : ['avg'],
    metrics: q.metrics,
    timeZone: q.tz ?? 'UTC',
    fill: q.fill ?? 'none',
    maxPoints: q.maxPoints ?? 10000,
  };
}
