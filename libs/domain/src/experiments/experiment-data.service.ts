import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ValidationError } from '@labwire/core';
import {
  AggregatePoint,
  AggregateQuery,
  RawPoint,
  RawQuery,
  TelemetryQueryService,
} from '../telemetry/telemetry-query.service';
import { Experiment, ExperimentStep } from './experiment';
import { ExperimentStateError } from './experiments.errors';
import { ExperimentService } from './experiment.service';

/** What an experiment's data is: its instruments' telemetry in the run's window (or one step's). */
export interface ExperimentDataScope {
  experiment: Experiment;
  instrumentIds: string[];
  roleOf: Map<string, string>;
  steps: ExperimentStep[];
  from: Date;
  to: Date;
}

export interface MetricSummary {
  role: string;
  instrumentId: string;
  metric: string;
  count: number;
  min: number;
  max: number;
  mean: number;
  first: number;
  last: number;
}

export interface ExperimentSummary {
  experimentId: string;
  status: Experiment['status'];
  from: Date;
  to: Date;
  steps: Array<{
    index: number;
    kind: string;
    name: string | null;
    status: string;
    startedAt: Date | null;
    endedAt: Date | null;
    durationSeconds: number | null;
  }>;
  /** per role and metric over the whole run */
  overall: MetricSummary[];
  /** per `record` step that ran: the same over the step's window */
  records: Array<{ step: number; name: string | null; from: Date; to: Date; metrics: MetricSummary[] }>;
}

/** A reading of an export, with the role of its instrument and the step running at its time. */
export interface ExperimentReading extends RawPoint {
  role: string;
  step: number | null;
  stepName: string | null;
}

interface Window {
  key: string;
  from: Date;
  to: Date;
}

const seconds = (s: ExperimentStep) =>
  s.startedAt && s.endedAt ? (new Date(s.endedAt).getTime() - new Date(s.startedAt).getTime()) / 1000 : null;

/**
 * An experiment's data: the telemetry of its assigned instruments during its run, read through the
 * telemetry queries (raw, aggregate, export), summarised per role, metric and record step.
 */
@Injectable()
export class ExperimentDataService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly experiments: ExperimentService,
    private readonly telemetry: TelemetryQueryService,
  ) {}

  /** The run's window (or `step`'s), narrowed to [from, to) when given. */
  async scope(
    workspaceId: string,
    id: string,
    narrow: { step?: number; from?: Date; to?: Date } = {},
  ): Promise<ExperimentDataScope> {
    const experiment = await this.experiments.get(workspaceId, id);
    if (!experiment.startedAt) throw new ExperimentStateError(experiment.status, 'have data before it started');
    const steps = await this.experiments.listSteps(workspaceId, id);
    let from = new Date(experiment.startedAt);
    let to = experiment.finishedAt ? new Date(experiment.finishedAt) : new Date();
    if (narrow.step !== undefined) {
      const step = steps.find((s) => s.index === narrow.step);
      if (!step) {
        throw new ValidationError(`The experiment has no step ${narrow.step}`, [
          { field: 'step', message: `must be 0 to ${steps.length - 1}` },
        ]);
      }
      if (!step.startedAt) {
        throw new ValidationError(`Step ${narrow.step} has not started`, [
          { field: 'step', message: 'has not started' },
        ]);
      }
      from = new Date(step.startedAt);
      to = step.endedAt ? new Date(step.endedAt) : new Date();
    }
    if (narrow.from && narrow.from > from) from = narrow.from;
    if (narrow.to && narrow.to < to) to = narrow.to;
    if (!(from < to)) {
      throw new ValidationError("The time range does not overlap the experiment's run (or the step)", [
        { field: 'from', message: 'the range must overlap the run' },
      ]);
    }
    return {
      experiment,
      instrumentIds: experiment.assignments.map((a) => a.instrumentId),
      roleOf: new Map(experiment.assignments.map((a) => [a.instrumentId, a.role])),
      steps,
      from,
      to,
    };
  }

  async raw(
    scope: ExperimentDataScope,
    q: Omit<RawQuery, 'from' | 'to'>,
  ): Promise<{ items: RawPoint[]; nextCursor: string | null }> {
    return this.telemetry.raw(scope.experiment.workspaceId, scope.instrumentIds, {
      ...q,
      from: scope.from,
      to: scope.to,
    });
  }

  async aggregate(
    scope: ExperimentDataScope,
    q: Omit<AggregateQuery, 'from' | 'to'>,
  ): Promise<{ items: AggregatePoint[]; truncated: boolean }> {
    return this.telemetry.aggregate(scope.experiment.workspaceId, scope.instrumentIds, {
      ...q,
      from: scope.from,
      to: scope.to,
    });
  }

  async summary(workspaceId: string, id: string): Promise<ExperimentSummary> {
    const scope = await this.scope(workspaceId, id);
    const records = scope.steps.filter((s) => s.kind === 'record' && s.startedAt);
    const windows: Window[] = [
      { key: 'overall', from: scope.from, to: scope.to },
      ...records.map((s) => ({
        key: String(s.index),
        from: new Date(s.startedAt as Date),
        to: s.endedAt ? new Date(s.endedAt) : scope.to,
      })),
    ];
    const rows: Array<{
      key: string;
      instrumentId: string;
      metric: string;
      count: number;
      min: number;
      max: number;
      mean: number;
      first: number;
      last: number;
    }> = await this.dataSource.query(
      `SELECT w.key, t.instrument_id AS "instrumentId", t.metric, count(*)::int AS count, min(t.value) AS min,
              max(t.value) AS max, avg(t.value) AS mean, (array_agg(t.value ORDER BY t."time" ASC))[1] AS first,
              (array_agg(t.value ORDER BY t."time" DESC))[1] AS last
         FROM UNNEST($1::text[], $2::timestamptz[], $3::timestamptz[]) AS w(key, "from", "to")
         JOIN telemetry t ON t.instrument_id = ANY($4::uuid[]) AND t."time" >= w."from" AND t."time" < w."to"
        GROUP BY w.key, t.instrument_id, t.metric`,
      [windows.map((w) => w.key), windows.map((w) => w.from), windows.map((w) => w.to), scope.instrumentIds],
    );
    const byKey = new Map<string, MetricSummary[]>();
    for (const r of rows) {
      const list = byKey.get(r.key) ?? [];
      list.push({
        role: scope.roleOf.get(r.instrumentId) ?? '',
        instrumentId: r.instrumentId,
        metric: r.metric,
        count: r.count,
        min: r.min,
        max: r.max,
        mean: r.mean,
        first: r.first,
        last: r.last,
      });
      byKey.set(r.key, list);
    }
    const sorted = (list: MetricSummary[] = []) =>
      list.sort((a, b) => a.role.localeCompare(b.role) || a.metric.localeCompare(b.metric));
    return {
      experimentId: id,
      status: scope.experiment.status,
      from: scope.from,
      to: scope.to,
      steps: scope.steps.map((s) => ({
        index: s.index,
        kind: s.kind,
        name: s.name,
        status: s.status,
        startedAt: s.startedAt,
        endedAt: s.endedAt,
        durationSeconds: seconds(s),
      })),
      overall: sorted(byKey.get('overall')),
      records: windows.slice(1).map((w) => ({
        step: Number(w.key),
        name: records.find((s) => String(s.index) === w.key)?.name ?? null,
        from: w.from,
        to: w.to,
        metrics: sorted(byKey.get(w.key)),
      })),
    };
  }

  /**
   * Every reading of the run, page by page (memory stays flat), each with its role and the step that
   * was running at its time. The experiment is checked before the first page.
   */
  async export(
    workspaceId: string,
    id: string,
    q: { from?: Date; to?: Date; metrics?: string[] } = {},
  ): Promise<AsyncGenerator<ExperimentReading[]>> {
    const { metrics, ...narrow } = q;
    const scope = await this.scope(workspaceId, id, narrow);
    const pages = this.telemetry.export(workspaceId, scope.instrumentIds, { from: scope.from, to: scope.to, metrics });
    const steps = scope.steps.filter((s) => s.startedAt);
    const stepAt = (time: Date): ExperimentStep | undefined => {
      const t = time.getTime();
      // the last step started at or before t (steps run one after the other)
      let found: ExperimentStep | undefined;
      for (const s of steps) {
        if (new Date(s.startedAt as Date).getTime() <= t) found = s;
        else break;
      }
      return found && (!found.endedAt || new Date(found.endedAt).getTime() > t) ? found : undefined;
    };
    return (async function* () {
      for await (const page of pages) {
        yield page.map((p) => {
          const step = stepAt(p.time);
          return {
            ...p,
            role: scope.roleOf.get(p.instrumentId) ?? '',
            step: step?.index ?? null,
            stepName: step?.name ?? null,
          };
        });
      }
    })();
  }
}
