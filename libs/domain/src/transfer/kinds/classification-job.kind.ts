import { JobName } from '@labwire/queue';
import { ExportLine } from '../export-format';
import {
  ExportContext,
  ImportContext,
  isSkipped,
  mapped,
  see,
  seen,
  sqlIso,
  sqlUuid,
  TransferKind,
  ValidationContext,
} from '../transfer-kind';
import { num, obj, oneOf, str, time } from './checks';
import { insertReturningId, writeEntities } from './entity-writer';

const ENDED = ['succeeded', 'failed', 'cancelled'] as const;

interface JobRow {
  id: string;
  status: string;
  progress: number;
  input: Record<string, unknown>;
  counts: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: string | null;
  errorCount: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A job's input with its references limited to what the document holds (and the chain's ingestion job left out). */
function exportedInput(input: Record<string, unknown>, datasources: Set<string>): Record<string, unknown> {
  const { ingestionJobId: _chain, ...rest } = input;
  if (Array.isArray(rest.datasourceIds)) {
    rest.datasourceIds = (rest.datasourceIds as string[]).filter((id) => datasources.has(id));
  }
  const filter = rest.filter as Record<string, unknown> | undefined;
  if (filter?.datasourceId && !datasources.has(String(filter.datasourceId))) {
    const { datasourceId: _gone, ...others } = filter;
    rest.filter = others;
  }
  return rest;
}

/**
 * Classification jobs that ended (with their input, counts and result) and the results of their
 * scheme versions for the document's data sources. Results are written against the imported records
 * by (data source, position): the record ids of the target workspace.
 */
export class ClassificationJobKind implements TransferKind {
  readonly include = 'classification-jobs' as const;
  readonly types = ['classification-job', 'classification-result'] as const;

  async export(ctx: ExportContext): Promise<void> {
    const schemes = ctx.written.get('classification-scheme') ?? new Set<string>();
    const datasources = ctx.written.get('datasource') ?? new Set<string>();
    const params: unknown[] = [ctx.scope.workspaceId, JobName.ClassificationRun, [...ENDED]];
    let only = '';
    if (ctx.scope.classificationJobIds) {
      params.push(ctx.scope.classificationJobIds);
      only = ' AND id = ANY($4::uuid[])';
    }
    const rows = await ctx.query<JobRow>(
      `SELECT id, status, progress, input, counts, result, error, error_count AS "errorCount",
              ${sqlIso('created_at')} AS "createdAt", ${sqlIso('started_at')} AS "startedAt",
              ${sqlIso('finished_at')} AS "finishedAt"
         FROM jobs WHERE workspace_id = $1 AND kind = $2 AND status = ANY($3::text[])${only}
        ORDER BY created_at, id`,
      params,
    );
    const jobs = rows.filter((j) => schemes.has(String(j.input.schemeId)));
    const versions = new Map<string, { schemeId: string; version: number }>();
    for (const job of jobs) {
      await ctx.writer.line({
        type: 'classification-job',
        data: { ...job, input: exportedInput(job.input, datasources) },
      });
      const key = `${String(job.input.schemeId)}:${Number(job.input.schemeVersion)}`;
      versions.set(key, { schemeId: String(job.input.schemeId), version: Number(job.input.schemeVersion) });
    }
    if (!jobs.length || !datasources.size) return;
    const exportedJobs = jobs.map((j) => sqlUuid(j.id)).join(', ');
    const order = [...schemes];
    const pairs = [...versions.values()].sort(
      (a, b) => order.indexOf(a.schemeId) - order.indexOf(b.schemeId) || a.version - b.version,
    );
    for (const pair of pairs) {
      for (const datasourceId of datasources) {
        await ctx.checkpoint();
        await ctx.copyLines(
          `SELECT json_build_object('type', 'classification-result', 'data', json_build_object(
             'schemeId', res.scheme_id, 'schemeVersion', res.scheme_version, 'datasourceId', res.datasource_id,
             'position', res.position, 'jobId', CASE WHEN res.job_id IN (${exportedJobs}) THEN res.job_id END,
             'labels', res.labels, 'confidence', res.confidence, 'explanation', res.explanation,
             'createdAt', ${sqlIso('res.created_at')}))
             FROM classification_results res
            WHERE res.datasource_id = ${sqlUuid(datasourceId)} AND res.scheme_id = ${sqlUuid(pair.schemeId)}
              AND res.scheme_version = ${Number(pair.version)} AND res.workspace_id = ${sqlUuid(ctx.scope.workspaceId)}
            ORDER BY res.position, res.record_id`,
        );
      }
    }
  }

  validate(type: string, d: Record<string, unknown>, line: number, ctx: ValidationContext): void {
    if (type === 'classification-job') {
      const problems = [
        str(d, 'id'),
        oneOf(d, 'status', ENDED),
        obj(d, 'input'),
        obj(d, 'counts'),
        time(d, 'createdAt'),
        time(d, 'startedAt'),
        time(d, 'finishedAt'),
      ];
      for (const p of problems) if (p) ctx.error(line, `classification-job: ${p}`);
      const input = (d.input ?? {}) as Record<string, unknown>;
      if (!seen(ctx, 'classification-scheme', input.schemeId)) {
        ctx.error(line, 'classification-job: input.schemeId is not a scheme of the document');
      }
      if (typeof d.id === 'string') see(ctx, 'classification-job', d.id);
      return;
    }
    const problems = [
      seen(ctx, 'classification-scheme', d.schemeId) ? null : 'schemeId is not a scheme of the document',
      seen(ctx, 'datasource', d.datasourceId) ? null : 'datasourceId is not a data source of the document',
      num(d, 'schemeVersion', { integer: true, min: 1 }),
      num(d, 'position', { integer: true, min: 0 }),
      num(d, 'confidence', { min: 0, max: 1 }),
      Array.isArray(d.labels) ? null : 'labels must be an array',
      d.jobId == null || seen(ctx, 'classification-job', d.jobId) ? null : 'jobId is not a job of the document',
    ];
    for (const p of problems) if (p) ctx.error(line, `classification-result: ${p}`);
  }

  write(type: string, batch: ExportLine[], ctx: ImportContext): Promise<number> {
    return type === 'classification-job' ? this.writeJobs(batch, ctx) : this.writeResults(batch, ctx);
  }

  private writeJobs(batch: ExportLine[], ctx: ImportContext): Promise<number> {
    // a job of a scheme the workspace had already (skipped) is not brought over: its versions are not the same
    const kept = batch.filter(
      (l) => !isSkipped(ctx, 'classification-scheme', (l.data.input as Record<string, unknown>).schemeId),
    );
    return writeEntities(
      ctx,
      {
        kind: 'classification-job',
        renamable: false,
        unique: () => null,
        insert: (em, d) => {
          const input = { ...(d.input as Record<string, unknown>) };
          input.schemeId = mapped(ctx, 'classification-scheme', input.schemeId);
          if (Array.isArray(input.datasourceIds)) {
            input.datasourceIds = input.datasourceIds.map((id) => mapped(ctx, 'datasource', id)).filter(Boolean);
          }
          const filter = input.filter as Record<string, unknown> | undefined;
          if (filter?.datasourceId)
            input.filter = { ...filter, datasourceId: mapped(ctx, 'datasource', filter.datasourceId) };
          return insertReturningId(
            em,
            `INSERT INTO jobs (workspace_id, kind, status, progress, counts, error_count, error, input, result,
               created_by, created_at, started_at, finished_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE($11::timestamptz, now()), $12, $13) RETURNING id`,
            [
              ctx.workspaceId,
              JobName.ClassificationRun,
              d.status,
              Math.min(1, Math.max(0, Number(d.progress ?? (d.status === 'succeeded' ? 1 : 0)))),
              JSON.stringify(d.counts ?? {}),
              d.errorCount ?? 0,
              d.error ?? null,
              JSON.stringify(input),
              d.result == null ? null : JSON.stringify(d.result),
              ctx.actor.userId,
              d.createdAt ?? null,
              d.startedAt ?? null,
              d.finishedAt ?? null,
            ],
          );
        },
        existing: async () => null,
      },
      kept,
    );
  }

  private async writeResults(batch: ExportLine[], ctx: ImportContext): Promise<number> {
    const rows = batch
      .map((l) => l.data)
      .filter(
        (d) => !isSkipped(ctx, 'classification-scheme', d.schemeId) && !isSkipped(ctx, 'datasource', d.datasourceId),
      );
    if (!rows.length) return 0;
    const inserted: Array<{ n: number }> = await ctx.dataSource.query(
      `WITH ins AS (
         INSERT INTO classification_results (datasource_id, position, scheme_id, scheme_version, record_id, workspace_id,
           job_id, labels, confidence, explanation, created_at)
         SELECT r.datasource_id, r.position, u.scheme_id, u.version, r.id, $1, u.job_id, u.labels, u.confidence,
                u.explanation, COALESCE(u.created_at, now())
           FROM unnest($2::uuid[], $3::int[], $4::uuid[], $5::bigint[], $6::uuid[], $7::jsonb[], $8::float8[],
                       $9::json[], $10::timestamptz[])
                AS u(scheme_id, version, ds, position, job_id, labels, confidence, explanation, created_at)
           JOIN records r ON r.datasource_id = u.ds AND r.position = u.position AND r.workspace_id = $1
         ON CONFLICT DO NOTHING RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [
        ctx.workspaceId,
        rows.map((d) => mapped(ctx, 'classification-scheme', d.schemeId)),
        rows.map((d) => d.schemeVersion),
        rows.map((d) => mapped(ctx, 'datasource', d.datasourceId)),
        rows.map((d) => d.position),
        rows.map((d) => mapped(ctx, 'classification-job', d.jobId)),
        rows.map((d) => JSON.stringify(d.labels)),
        rows.map((d) => d.confidence),
        rows.map((d) => JSON.stringify(d.explanation ?? {})),
        rows.map((d) => d.createdAt ?? null),
      ],
    );
    return inserted[0].n;
  }
}
