import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { EntityManager } from 'typeorm';
import { StorageObjectNotFoundError } from '@labwire/providers';
import { DATASOURCE_TYPES } from '../../ingestion/datasource';
import { ExportLine } from '../export-format';
import {
  ExportContext,
  ImportConflict,
  ImportContext,
  isSkipped,
  mapped,
  see,
  seen,
  sqlIso,
  sqlUuid,
  TransferKind,
  unique,
  ValidationContext,
  madeIds,
} from '../transfer-kind';
import { conflictsByValue, num, obj, oneOf, str } from './checks';
import { insertReturningId, writeEntities, existingBy } from './entity-writer';

/** Raw bytes per file line (base64 makes ~256 KiB of it). */
const FILE_CHUNK_BYTES = 192 * 1024;
const CHECKSUM = /^[0-9a-f]{64}$/;

interface DatasourceRow {
  id: string;
  name: string;
  type: string;
  size: number;
  checksum: string;
  options: Record<string, unknown>;
  classifySchemeId: string | null;
  recordCount: number;
  errorCount: number;
  createdAt: string;
}

/** The file an import is writing to storage, fed line by line. */
interface OpenFile {
  sourceId: string;
  body: PassThrough;
  done: Promise<void>;
}

/**
 * Data sources with their stored file (base64 lines of 192 KiB) and their records. A data source is
 * unique by content (its SHA-256) in a workspace: a clash maps the document's data source to the one
 * the workspace has (a checksum cannot be renamed), unless onConflict=fail. Imported data sources
 * show the import job as their last job (their status follows it).
 */
export class DatasourceKind implements TransferKind {
  readonly include = 'datasources' as const;
  readonly types = ['datasource', 'datasource-file', 'record'] as const;
  private readonly open = new WeakMap<ImportContext, OpenFile>();

  async export(ctx: ExportContext): Promise<void> {
    const ws = ctx.scope.workspaceId;
    const params: unknown[] = [ws];
    let only = '';
    if (ctx.scope.datasourceIds) {
      params.push(ctx.scope.datasourceIds);
      only = ' AND id = ANY($2::uuid[])';
    }
    const rows = await ctx.query<DatasourceRow>(
      `SELECT id, name, type, size::float8 AS size, checksum, options, classify_scheme_id AS "classifySchemeId",
              record_count::float8 AS "recordCount", error_count AS "errorCount", ${sqlIso('created_at')} AS "createdAt"
         FROM datasources WHERE workspace_id = $1${only} ORDER BY checksum`,
      params,
    );
    const schemes = ctx.written.get('classification-scheme') ?? new Set<string>();
    const written = new Set<string>();
    ctx.written.set('datasource', written);
    for (const d of rows) {
      await ctx.checkpoint();
      await ctx.writer.line({
        type: 'datasource',
        data: {
          ...d,
          classifySchemeId: d.classifySchemeId && schemes.has(d.classifySchemeId) ? d.classifySchemeId : null,
        },
      });
      written.add(d.id);
      await this.exportFile(ctx, d.id);
      await ctx.copyLines(
        // The line as one concat() (every column is NOT NULL; to_json escapes the strings): about twice
        // as fast as json_build_object on a million records, and the document's biggest part.
        `SELECT concat('{"type":"record","data":{"id":"', id, '","datasourceId":"', datasource_id,
           '","position":', position, ',"text":', to_json(text), ',"metadata":', metadata,
           ',"contentHash":', to_json(content_hash), ',"createdAt":"', ${sqlIso('created_at')}, '"}}')
           FROM records WHERE datasource_id = ${sqlUuid(d.id)} AND workspace_id = ${sqlUuid(ws)} ORDER BY position`,
      );
    }
  }

  private async exportFile(ctx: ExportContext, id: string): Promise<void> {
    let stream;
    try {
      stream = await ctx.storage.get({ workspaceId: ctx.scope.workspaceId, id });
    } catch (err) {
      if (err instanceof StorageObjectNotFoundError) return; // its records are all there is
      throw err;
    }
    let seq = 0;
    let pending: Buffer[] = [];
    let size = 0;
    const emit = async () => {
      const data = Buffer.concat(pending);
      pending = [];
      size = 0;
      await ctx.writer.line({
        type: 'datasource-file',
        data: { datasourceId: id, seq: seq++, data: data.toString('base64') },
      });
    };
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let rest = chunk;
      while (size + rest.length >= FILE_CHUNK_BYTES) {
        const take = FILE_CHUNK_BYTES - size;
        pending.push(rest.subarray(0, take));
        size += take;
        rest = rest.subarray(take);
        await emit();
      }
      if (rest.length) {
        pending.push(rest);
        size += rest.length;
      }
    }
    if (size) await emit();
  }

  validate(type: string, d: Record<string, unknown>, line: number, ctx: ValidationContext): void {
    if (type === 'record') {
      // a million of these: the cheapest checks that keep the writes valid
      if (!seen(ctx, 'datasource', d.datasourceId))
        ctx.error(line, 'record: datasourceId is not a data source of the document');
      if (typeof d.position !== 'number' || !Number.isSafeInteger(d.position) || d.position < 0) {
        ctx.error(line, 'record: position must be a non-negative integer');
      }
      if (typeof d.text !== 'string') ctx.error(line, 'record: text must be a string');
      if (typeof d.contentHash !== 'string') ctx.error(line, 'record: contentHash must be a string');
      if (d.metadata === null || typeof d.metadata !== 'object' || Array.isArray(d.metadata)) {
        ctx.error(line, 'record: metadata must be an object');
      }
      return;
    }
    if (type === 'datasource-file') {
      if (!seen(ctx, 'datasource', d.datasourceId)) {
        ctx.error(line, 'datasource-file: datasourceId is not a data source of the document');
      }
      const p =
        num(d, 'seq', { integer: true, min: 0 }) ?? (typeof d.data === 'string' ? null : 'data must be base64 text');
      if (p) ctx.error(line, `datasource-file: ${p}`);
      return;
    }
    const problems = [
      str(d, 'id'),
      str(d, 'name'),
      oneOf(d, 'type', DATASOURCE_TYPES),
      num(d, 'size', { integer: true, min: 0 }),
      typeof d.checksum === 'string' && CHECKSUM.test(d.checksum) ? null : 'checksum must be 64 hex digits',
      obj(d, 'options'),
    ];
    for (const p of problems) if (p) ctx.error(line, `datasource: ${p}`);
    if (d.classifySchemeId != null && !seen(ctx, 'classification-scheme', d.classifySchemeId)) {
      ctx.error(line, 'datasource: classifySchemeId is not a scheme of the document');
    }
    if (typeof d.id === 'string') see(ctx, 'datasource', d.id);
    if (typeof d.checksum === 'string') unique(ctx, 'datasource', 'checksum', d.checksum, line);
  }

  conflicts(
    workspaceId: string,
    document: string,
    values: Map<string, Map<string, number>>,
    em: EntityManager,
  ): Promise<ImportConflict[]> {
    return conflictsByValue(
      em,
      workspaceId,
      document,
      'datasource',
      'checksum',
      values.get('checksum'),
      'datasources',
      'checksum',
    );
  }

  async write(type: string, batch: ExportLine[], ctx: ImportContext): Promise<number> {
    if (type === 'datasource') return this.writeDatasources(batch, ctx);
    if (type === 'datasource-file') return this.writeFile(batch, ctx);
    return this.writeRecords(batch, ctx);
  }

  private writeDatasources(batch: ExportLine[], ctx: ImportContext): Promise<number> {
    return writeEntities(
      ctx,
      {
        kind: 'datasource',
        renamable: false,
        unique: (d) => ({ field: 'checksum', value: String(d.checksum) }),
        insert: (em, d, checksum) =>
          insertReturningId(
            em,
            `INSERT INTO datasources (workspace_id, name, type, size, checksum, options, classify_scheme_id, last_job_id,
               error_count, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE($11::timestamptz, now()))
             ON CONFLICT (workspace_id, checksum) WHERE schedule_id IS NULL DO NOTHING RETURNING id`,
            [
              ctx.workspaceId,
              d.name,
              d.type,
              d.size,
              checksum,
              JSON.stringify(d.options ?? {}),
              mapped(ctx, 'classification-scheme', d.classifySchemeId),
              ctx.jobId,
              d.errorCount ?? 0,
              ctx.actor.userId,
              d.createdAt ?? null,
            ],
          ),
        existing: existingBy(ctx, 'datasources', 'checksum', ' AND schedule_id IS NULL'),
      },
      batch,
    );
  }

  /** Feeds the file lines to storage, the file of one data source after the other (put replaces: a rerun rewrites it). */
  private async writeFile(batch: ExportLine[], ctx: ImportContext): Promise<number> {
    for (const { data } of batch) {
      const sourceId = String(data.datasourceId);
      if (isSkipped(ctx, 'datasource', sourceId)) continue;
      let file = this.open.get(ctx);
      if (file && file.sourceId !== sourceId) {
        await this.close(ctx);
        file = undefined;
      }
      if (!file) {
        const target = mapped(ctx, 'datasource', sourceId) as string;
        const body = new PassThrough();
        const done = ctx.storage.put({ workspaceId: ctx.workspaceId, id: target }, body);
        // an early failure of the put surfaces at close; keep it from being unhandled meanwhile
        done.catch(() => undefined);
        file = { sourceId, body, done };
        this.open.set(ctx, file);
      }
      if (!file.body.write(Buffer.from(String(data.data), 'base64'))) {
        await Promise.race([once(file.body, 'drain'), file.done]);
      }
    }
    return 0;
  }

  private async close(ctx: ImportContext): Promise<void> {
    const file = this.open.get(ctx);
    if (!file) return;
    this.open.delete(ctx);
    file.body.end();
    await file.done;
  }

  async flush(ctx: ImportContext): Promise<void> {
    await this.close(ctx);
  }

  private async writeRecords(batch: ExportLine[], ctx: ImportContext): Promise<number> {
    let written = 0;
    let start = 0;
    while (start < batch.length) {
      const sourceId = batch[start].data.datasourceId;
      let end = start;
      while (end < batch.length && batch[end].data.datasourceId === sourceId) end++;
      if (!isSkipped(ctx, 'datasource', sourceId)) {
        written += await this.insertRecords(ctx, mapped(ctx, 'datasource', sourceId) as string, batch, start, end);
      }
      start = end;
    }
    return written;
  }

  private async insertRecords(
    ctx: ImportContext,
    datasourceId: string,
    batch: ExportLine[],
    start: number,
    end: number,
  ): Promise<number> {
    const n = end - start;
    const positions = new Array<unknown>(n);
    const texts = new Array<unknown>(n);
    const metadata = new Array<string>(n);
    const hashes = new Array<unknown>(n);
    const created = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const d = batch[start + i].data;
      positions[i] = d.position;
      texts[i] = d.text;
      metadata[i] = JSON.stringify(d.metadata);
      hashes[i] = d.contentHash;
      created[i] = d.createdAt ?? null;
    }
    const rows: Array<{ n: number }> = await ctx.dataSource.query(
      `WITH ins AS (
         INSERT INTO records (workspace_id, datasource_id, position, text, metadata, content_hash, created_at)
         SELECT $1, $2, u.position, u.text, u.metadata, u.hash, COALESCE(u.created_at, now())
           FROM unnest($3::bigint[], $4::text[], $5::jsonb[], $6::text[], $7::timestamptz[])
                AS u(position, text, metadata, hash, created_at)
         ON CONFLICT (datasource_id, position) DO NOTHING
         RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [ctx.workspaceId, datasourceId, positions, texts, metadata, hashes, created],
    );
    return rows[0].n;
  }

  /** The record counts of the data sources this document made. */
  async finish(ctx: ImportContext): Promise<void> {
    await this.close(ctx);
    const made = madeIds(ctx, 'datasource');
    if (!made.length) return;
    await ctx.dataSource.query(
      `UPDATE datasources d SET record_count = (SELECT count(*) FROM records r WHERE r.datasource_id = d.id),
              updated_at = now()
        WHERE d.workspace_id = $1 AND d.id = ANY($2::uuid[])`,
      [ctx.workspaceId, made],
    );
  }
}
