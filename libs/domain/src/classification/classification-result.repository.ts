import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { LabelScore } from '@labwire/providers';
import { RecordCursor, recordFilterWhere } from '../ingestion/record.repository';
import { ClassificationCursor, RecordSelection } from './classification-job-input';

/** A classification result to write. */
export interface ResultRow {
  recordId: string;
  labels: LabelScore[];
  confidence: number;
  explanation: Record<string, unknown>;
}

/** A page of a job's results and where the job stands once it is written. */
export interface ResultPage {
  workspaceId: string;
  jobId: string;
  schemeId: string;
  schemeVersion: number;
  rows: ResultRow[];
  cursor: ClassificationCursor;
}

/** A result as results lists and exports show it. */
export interface ClassificationResult extends ResultRow {
  datasourceId: string;
  position: number;
  /** the record's text (lists: its first 500 characters) */
  text: string;
  schemeId: string;
  schemeVersion: number;
  /** the job that wrote it (an earlier job of the same version may have) */
  jobId: string | null;
  createdAt: Date;
}

/** The results of one job: its scheme version's results for the records it selects. */
export interface ResultScope {
  workspaceId: string;
  schemeId: string;
  schemeVersion: number;
  selection: RecordSelection;
}

export interface ResultFilter {
  label?: string;
  /** with `label`: that label's confidence; otherwise the result's */
  minConfidence?: number;
}

export interface LabelCounts {
  /** results of the scope that pass the confidence filter */
  total: number;
  /** of those, results with no label (multi-label schemes) */
  unlabelled: number;
  labels: Array<{ label: string; count: number }>;
}

export const RESULT_SORT_FIELDS = ['position', 'confidence'] as const;
export type ResultSortField = (typeof RESULT_SORT_FIELDS)[number];

const LIST_TEXT_CHARS = 500;

function columns(textChars: number | null): string {
  return `res.record_id AS "recordId", res.datasource_id AS "datasourceId", res.position::float8 AS position,
    ${textChars ? `left(r.text, ${textChars})` : 'r.text'} AS text, res.labels, res.confidence, res.explanation,
    res.scheme_id AS "schemeId", res.scheme_version AS "schemeVersion", res.job_id AS "jobId", res.created_at AS "createdAt"`;
}

/**
 * `classification_results`: one per (scheme version, record), keyed by the record's data source and
 * position, written a page at a time with ON CONFLICT DO NOTHING (a page written again, by a retried
 * run or another job of the same version, keeps the first result). Reads join the records by id, so
 * results follow the records' workspace scope and a result whose record is gone is never shown.
 */
@Injectable()
export class ClassificationResultRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Writes a page of results and moves the job's cursor past it, in one statement (so in one
   * transaction, and one round trip); answers how many results were new. One JSON parameter:
   * PostgreSQL reads the page in one pass, and the explanation (a json column) is kept as written.
   * Where each record is comes from the record itself, and a record deleted since it was read gets
   * no result.
   */
  async writePage(page: ResultPage): Promise<number> {
    const [result]: Array<{ inserted: number }> = await this.dataSource.query(
      `WITH ins AS (
         INSERT INTO classification_results (datasource_id, position, scheme_id, scheme_version, record_id,
           workspace_id, job_id, labels, confidence, explanation)
         SELECT r.datasource_id, r.position, $1, $2, x."recordId", $3, $4, x.labels, x.confidence, x.explanation
           FROM json_to_recordset($5::json) AS x("recordId" uuid, labels jsonb, confidence float8, explanation json)
           JOIN records r ON r.id = x."recordId"
         ON CONFLICT (datasource_id, position, scheme_id, scheme_version, record_id) DO NOTHING
         RETURNING 1),
       counted AS (SELECT count(*)::int AS inserted FROM ins),
       moved AS (
         UPDATE classification_job_runs SET cursor = $6, processed = processed + $7,
                inserted = inserted + (SELECT inserted FROM counted), updated_at = now()
          WHERE job_id = $4 AND workspace_id = $3
         RETURNING 1)
       SELECT inserted, (SELECT count(*) FROM moved)::int AS moved FROM counted`,
      [
        page.schemeId,
        page.schemeVersion,
        page.workspaceId,
        page.jobId,
        JSON.stringify(page.rows),
        JSON.stringify(page.cursor),
        page.rows.length,
      ],
    );
    return result.inserted;
  }

  /** Deletes a scheme's results (every version), with the scheme. */
  async deleteForScheme(workspaceId: string, schemeId: string, em: EntityManager): Promise<void> {
    await em.query(`DELETE FROM classification_results WHERE scheme_id = $1 AND workspace_id = $2`, [
      schemeId,
      workspaceId,
    ]);
  }

  private where(scope: ResultScope, filter: ResultFilter, params: unknown[]): string {
    params.push(scope.schemeId, scope.schemeVersion, scope.workspaceId);
    const where = ['res.scheme_id = $1', 'res.scheme_version = $2', 'res.workspace_id = $3'];
    if (scope.selection.datasourceIds) {
      params.push(scope.selection.datasourceIds);
      where.push('r.workspace_id = $3', `res.datasource_id = ANY($${params.length}::uuid[])`);
    } else {
      where.push(recordFilterWhere(scope.workspaceId, scope.selection.filter ?? {}, params));
    }
    if (filter.label !== undefined) {
      params.push(filter.label);
      const label = `$${params.length}`;
      if (filter.minConfidence !== undefined) {
        params.push(filter.minConfidence);
        where.push(
          `EXISTS (SELECT 1 FROM jsonb_array_elements(res.labels) e
                    WHERE e ->> 'label' = ${label} AND (e ->> 'confidence')::float8 >= $${params.length})`,
        );
      } else {
        where.push(`res.labels @> jsonb_build_array(jsonb_build_object('label', ${label}::text))`);
      }
    } else if (filter.minConfidence !== undefined) {
      params.push(filter.minConfidence);
      where.push(`res.confidence >= $${params.length}`);
    }
    return where.join(' AND ');
  }

  /** One page of the scope's results and the filtered total. */
  async list(
    scope: ResultScope,
    filter: ResultFilter,
    page: PageRequest,
    sort: SortField<ResultSortField>[],
  ): Promise<[ClassificationResult[], number]> {
    const params: unknown[] = [];
    const where = this.where(scope, filter, params);
    const order = sort.map((s) =>
      s.field === 'position'
        ? `res.datasource_id ${s.direction}, res.position ${s.direction}`
        : `res.confidence ${s.direction}`,
    );
    order.push('res.datasource_id ASC', 'res.position ASC');
    params.push(page.pageSize, (page.page - 1) * page.pageSize);
    const from = 'classification_results res JOIN records r ON r.id = res.record_id';
    const rows: Array<ClassificationResult & { total: string }> = await this.dataSource.query(
      `WITH page AS (SELECT ${columns(LIST_TEXT_CHARS)} FROM ${from} WHERE ${where}
          ORDER BY ${order.join(', ')} LIMIT $${params.length - 1} OFFSET $${params.length})
       SELECT c.total, page.* FROM (SELECT count(*) AS total FROM ${from} WHERE ${where}) c LEFT JOIN page ON true`,
      params,
    );
    const total = rows.length ? Number(rows[0].total) : 0;
    return [rows[0]?.recordId ? rows.map(({ total: _total, ...r }) => r as ClassificationResult) : [], total];
  }

  /** How many results carry each label (those without a label counted apart). */
  async labelCounts(scope: ResultScope, filter: Pick<ResultFilter, 'minConfidence'>): Promise<LabelCounts> {
    const params: unknown[] = [];
    const where = this.where(scope, {}, params);
    let labelled = '';
    let overall = '';
    if (filter.minConfidence !== undefined) {
      params.push(filter.minConfidence);
      labelled = ` AND (e ->> 'confidence')::float8 >= $${params.length}`;
      overall = ` AND res.confidence >= $${params.length}`;
    }
    const from = 'classification_results res JOIN records r ON r.id = res.record_id';
    const [totals]: Array<{ total: number; unlabelled: number }> = await this.dataSource.query(
      `SELECT count(*)::float8 AS total, count(*) FILTER (WHERE jsonb_array_length(res.labels) = 0)::float8 AS unlabelled
         FROM ${from} WHERE ${where}${overall}`,
      params,
    );
    const labels: Array<{ label: string; count: number }> = await this.dataSource.query(
      `SELECT e ->> 'label' AS label, count(*)::float8 AS count
         FROM ${from} CROSS JOIN LATERAL jsonb_array_elements(res.labels) e
        WHERE ${where}${labelled} GROUP BY 1 ORDER BY 2 DESC, 1`,
      params,
    );
    return { total: totals.total, unlabelled: totals.unlabelled, labels };
  }

  /** The next chunk of an export, in (data source, position) order after `after`, full texts. */
  async exportChunk(
    scope: ResultScope,
    filter: ResultFilter,
    after: RecordCursor | null,
    limit: number,
  ): Promise<ClassificationResult[]> {
    const params: unknown[] = [];
    let where = this.where(scope, filter, params);
    if (after) {
      params.push(after.datasourceId, after.position);
      where += ` AND (res.datasource_id, res.position) > ($${params.length - 1}::uuid, $${params.length}::bigint)`;
    }
    params.push(limit);
    return this.dataSource.query(
      `SELECT ${columns(null)} FROM classification_results res JOIN records r ON r.id = res.record_id
        WHERE ${where} ORDER BY res.datasource_id, res.position LIMIT $${params.length}`,
      params,
    );
  }
}
