import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, SortField } from '@labwire/core';
import { isForeignKeyViolation } from '@labwire/database';
import { IngestedRecord } from './ingested-record';
import { DatasourceNotFoundError } from './ingestion.errors';

export interface RecordFilter {
  datasourceId?: string;
  /** full-text query (web-search syntax: words, "phrases", or, -not) over the records' text */
  q?: string;
  /** equality on one metadata field (compared as text) */
  metadata?: { key: string; value: string };
  /** ISO-8601: only records stored after this (a schedule's classification of what is new) */
  createdAfter?: string;
}

export const RECORD_SORT_FIELDS = ['position', 'createdAt'] as const;
export type RecordSortField = (typeof RECORD_SORT_FIELDS)[number];

/** One row of a batch, ready to be written. */
export interface RecordRow {
  position: number;
  text: string;
  /** the metadata as JSON text */
  metadata: string;
  contentHash: string;
}

const COLUMNS = `r.id, r.workspace_id AS "workspaceId", r.datasource_id AS "datasourceId", r.position::float8 AS position,
  r.text, r.metadata, r.content_hash AS "contentHash", r.created_at AS "createdAt"`;

/** A record's id and (the beginning of) its text, where it is in its data source. */
export interface RecordText {
  id: string;
  datasourceId: string;
  position: number;
  text: string;
}

/**
 * The SQL condition of a record filter over `records r` in one workspace, its values appended to
 * `params` (placeholders numbered after what `params` holds already).
 */
export function recordFilterWhere(workspaceId: string, filter: RecordFilter, params: unknown[]): string {
  const where: string[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  add((p) => `r.workspace_id = ${p}`, workspaceId);
  if (filter.datasourceId) add((p) => `r.datasource_id = ${p}`, filter.datasourceId);
  if (filter.q) add((p) => `r.search @@ websearch_to_tsquery('simple', ${p})`, filter.q);
  if (filter.createdAfter) add((p) => `r.created_at > ${p}`, filter.createdAfter);
  if (filter.metadata) {
    params.push(filter.metadata.key, filter.metadata.value);
    where.push(`r.metadata ->> $${params.length - 1} = $${params.length}`);
  }
  return where.join(' AND ');
}

/** Where an export continues: after this record in (datasource_id, position) order. */
export interface RecordCursor {
  datasourceId: string;
  position: number;
}

/**
 * The `records` table. Batches are written in one statement (`INSERT … SELECT FROM unnest(…)`),
 * idempotently: a record whose (data source, position) is stored already is left as it is.
 */
@Injectable()
export class RecordRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Writes a batch; answers how many records were new. DatasourceNotFoundError when the data source is gone. */
  async insertBatch(workspaceId: string, datasourceId: string, rows: RecordRow[]): Promise<number> {
    if (!rows.length) return 0;
    const positions = new Array<number>(rows.length);
    const texts = new Array<string>(rows.length);
    const metadata = new Array<string>(rows.length);
    const hashes = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      positions[i] = rows[i].position;
      texts[i] = rows[i].text;
      metadata[i] = rows[i].metadata;
      hashes[i] = rows[i].contentHash;
    }
    try {
      const result: Array<{ inserted: number }> = await this.dataSource.query(
        `WITH ins AS (
           INSERT INTO records (workspace_id, datasource_id, position, text, metadata, content_hash)
           SELECT $1, $2, u.position, u.text, u.metadata, u.hash
             FROM unnest($3::bigint[], $4::text[], $5::jsonb[], $6::text[]) AS u(position, text, metadata, hash)
           ON CONFLICT (datasource_id, position) DO NOTHING
           RETURNING 1)
         SELECT count(*)::int AS inserted FROM ins`,
        [workspaceId, datasourceId, positions, texts, metadata, hashes],
      );
      return result[0].inserted;
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new DatasourceNotFoundError(datasourceId);
      throw err;
    }
  }

  /**
   * Appends the rows whose content hash the data source does not hold yet (the first of equal ones in
   * a batch), at positions after its last; answers how many were new. The caller runs one append per
   * data source at a time (a schedule's runs do not overlap); a race would fail on the position
   * constraint rather than write twice.
   */
  async appendNew(workspaceId: string, datasourceId: string, rows: RecordRow[]): Promise<number> {
    if (!rows.length) return 0;
    try {
      const result: Array<{ inserted: number }> = await this.dataSource.query(
        `WITH input AS (
           SELECT u.text, u.metadata, u.hash, u.ord
             FROM unnest($3::text[], $4::jsonb[], $5::text[]) WITH ORDINALITY AS u(text, metadata, hash, ord)),
         fresh AS (
           SELECT DISTINCT ON (i.hash) i.* FROM input i
            WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.datasource_id = $2 AND r.content_hash = i.hash)
            ORDER BY i.hash, i.ord),
         base AS (SELECT COALESCE(max(position), 0) AS last FROM records WHERE datasource_id = $2),
         ins AS (
           INSERT INTO records (workspace_id, datasource_id, position, text, metadata, content_hash)
           SELECT $1, $2, base.last + row_number() OVER (ORDER BY f.ord), f.text, f.metadata, f.hash
             FROM fresh f, base
           RETURNING 1)
         SELECT count(*)::int AS inserted FROM ins`,
        [
          workspaceId,
          datasourceId,
          rows.map((r) => r.text),
          rows.map((r) => r.metadata),
          rows.map((r) => r.contentHash),
        ],
      );
      return result[0].inserted;
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new DatasourceNotFoundError(datasourceId);
      throw err;
    }
  }

  /** The last position stored for the data source (batches commit in position order), or null. */
  async lastPosition(workspaceId: string, datasourceId: string): Promise<number | null> {
    const rows: Array<{ last: number | null }> = await this.dataSource.query(
      `SELECT max(position)::float8 AS last FROM records WHERE datasource_id = $1 AND workspace_id = $2`,
      [datasourceId, workspaceId],
    );
    return rows[0]?.last ?? null;
  }

  /** Every stored position of the data source (URL lists: at most INGEST_MAX_URLS). */
  async positions(workspaceId: string, datasourceId: string): Promise<Set<number>> {
    const rows: Array<{ position: number }> = await this.dataSource.query(
      `SELECT position::float8 AS position FROM records WHERE datasource_id = $1 AND workspace_id = $2`,
      [datasourceId, workspaceId],
    );
    return new Set(rows.map((r) => r.position));
  }

  async countForDatasource(workspaceId: string, datasourceId: string): Promise<number> {
    const rows: Array<{ n: number }> = await this.dataSource.query(
      `SELECT count(*)::float8 AS n FROM records WHERE datasource_id = $1 AND workspace_id = $2`,
      [datasourceId, workspaceId],
    );
    return rows[0].n;
  }

  async deleteForDatasource(workspaceId: string, datasourceId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM records WHERE datasource_id = $1 AND workspace_id = $2`, [
      datasourceId,
      workspaceId,
    ]);
  }

  private where(workspaceId: string, filter: RecordFilter): { sql: string; params: unknown[] } {
    const params: unknown[] = [];
    return { sql: recordFilterWhere(workspaceId, filter, params), params };
  }

  /** How many records match the filter. */
  async count(workspaceId: string, filter: RecordFilter): Promise<number> {
    const { sql, params } = this.where(workspaceId, filter);
    const rows: Array<{ n: number }> = await this.dataSource.query(
      `SELECT count(*)::float8 AS n FROM records r WHERE ${sql}`,
      params,
    );
    return rows[0].n;
  }

  /**
   * A keyset page of the records matching the filter, after `after` in (data source, position) order
   * (the records' unique index): their ids and the first `maxChars` characters of their texts. What
   * a classification job reads, page by page.
   */
  async textPage(
    workspaceId: string,
    filter: RecordFilter,
    after: RecordCursor | null,
    limit: number,
    maxChars: number,
  ): Promise<RecordText[]> {
    const { sql, params } = this.where(workspaceId, filter);
    let keyset = '';
    if (after) {
      params.push(after.datasourceId, after.position);
      keyset = ` AND (r.datasource_id, r.position) > ($${params.length - 1}::uuid, $${params.length}::bigint)`;
    }
    params.push(maxChars, limit);
    return this.dataSource.query(
      `SELECT r.id, r.datasource_id AS "datasourceId", r.position::float8 AS position, left(r.text, $${params.length - 1}) AS text
         FROM records r WHERE ${sql}${keyset}
        ORDER BY r.datasource_id, r.position LIMIT $${params.length}`,
      params,
    );
  }

  /**
   * Labelled records (training data): texts of the workspace's records whose metadata field holds
   * exactly one of `labels`, optionally of some data sources only; the first `limit` in (data source,
   * position) order, texts cut at `maxChars`.
   */
  async labelledTexts(
    workspaceId: string,
    field: string,
    labels: string[],
    datasourceIds: string[] | null,
    limit: number,
    maxChars: number,
  ): Promise<Array<{ text: string; label: string }>> {
    const params: unknown[] = [workspaceId, field, labels, maxChars, limit];
    let scope = '';
    if (datasourceIds) {
      params.push(datasourceIds);
      scope = ` AND r.datasource_id = ANY($${params.length}::uuid[])`;
    }
    return this.dataSource.query(
      `SELECT left(r.text, $4) AS text, r.metadata ->> $2 AS label FROM records r
        WHERE r.workspace_id = $1 AND r.metadata ->> $2 = ANY($3::text[])${scope}
        ORDER BY r.datasource_id, r.position LIMIT $5`,
      params,
    );
  }

  async listInWorkspace(
    workspaceId: string,
    filter: RecordFilter,
    page: PageRequest,
    sort: SortField<RecordSortField>[],
  ): Promise<[IngestedRecord[], number]> {
    const { sql, params } = this.where(workspaceId, filter);
    const order = sort.map((s) =>
      s.field === 'position'
        ? `r.datasource_id ${s.direction}, r.position ${s.direction}`
        : `r.created_at ${s.direction}`,
    );
    order.push('r.datasource_id ASC', 'r.position ASC');
    params.push(page.pageSize, (page.page - 1) * page.pageSize);
    const rows: Array<IngestedRecord & { total: string }> = await this.dataSource.query(
      `WITH page AS (SELECT ${COLUMNS} FROM records r WHERE ${sql}
          ORDER BY ${order.join(', ')} LIMIT $${params.length - 1} OFFSET $${params.length})
       SELECT c.total, page.* FROM (SELECT count(*) AS total FROM records r WHERE ${sql}) c LEFT JOIN page ON true`,
      params,
    );
    const total = rows.length ? Number(rows[0].total) : 0;
    return [rows[0]?.id ? rows.map(({ total: _total, ...r }) => r as IngestedRecord) : [], total];
  }

  /** The next chunk of an export, in (data source, position) order after `after`. */
  async exportChunk(
    workspaceId: string,
    filter: RecordFilter,
    after: RecordCursor | null,
    limit: number,
  ): Promise<IngestedRecord[]> {
    const { sql, params } = this.where(workspaceId, filter);
    let keyset = '';
    if (after) {
      params.push(after.datasourceId, after.position);
      keyset = ` AND (r.datasource_id, r.position) > ($${params.length - 1}::uuid, $${params.length}::bigint)`;
    }
    params.push(limit);
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM records r WHERE ${sql}${keyset}
        ORDER BY r.datasource_id, r.position LIMIT $${params.length}`,
      params,
    );
  }

  async findInWorkspace(workspaceId: string, id: string): Promise<IngestedRecord | null> {
    const rows: IngestedRecord[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM records r WHERE r.id = $1 AND r.workspace_id = $2`,
      [id, workspaceId],
    );
    return rows[0] ?? null;
  }

  /** Deletes one record; answers its data source, or null when there was no such record. */
  async delete(workspaceId: string, id: string, em: EntityManager): Promise<IngestedRecord | null> {
    const [rows]: [IngestedRecord[], number] = await em.query(
      `DELETE FROM records r WHERE r.id = $1 AND r.workspace_id = $2 RETURNING ${COLUMNS}`,
      [id, workspaceId],
    );
    return rows[0] ?? null;
  }
}
