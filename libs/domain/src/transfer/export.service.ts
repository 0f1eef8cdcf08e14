import { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { to as copyTo } from 'pg-copy-streams';
import type { Pool, PoolClient } from 'pg';
import { OBJECT_STORAGE, ObjectStorage, StorageObjectNotFoundError } from '@labwire/providers';
import { JobName } from '@labwire/queue';
import { Actor } from '../audit/actor';
import { JobContext, JobWork } from '../jobs/job-runner';
import { Job } from '../jobs/job.entity';
import { JobsService } from '../jobs/jobs.service';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  ExportHeader,
  ExportInclude,
  ExportJobInput,
  ExportScope,
  withDependencies,
} from './export-format';
import { NdjsonGzipWriter } from './ndjson-writer';
import { ExportContext } from './transfer-kind';
import { ExportNotFoundError, ExportNotReadyError } from './transfer.errors';
import { TransferRegistry } from './transfer-registry';

export interface ExportRequest {
  include: ExportInclude[];
  telemetry?: { from: Date; to: Date; instrumentIds?: string[] };
}

/** PostgreSQL's COPY text of one JSON value per row, taken as is: CSV with quote and delimiter no JSON text holds. */
const COPY_OPTIONS = `WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')`;

/**
 * Workspace exports: a `transfer.export` job writes the document (a header line, then one
 * `{type, data}` line per entity, gzip) to object storage while it reads the database, kind after
 * kind; its download streams the stored object.
 */
@Injectable()
export class ExportService {
  private readonly logger = new Logger('Export');

  constructor(
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    private readonly dataSource: DataSource,
    private readonly jobs: JobsService,
    private readonly registry: TransferRegistry,
  ) {}

  /** Starts an export of the workspace (editors): a job whose document is downloadable once it succeeded. */
  async start(membership: WorkspaceMembership, request: ExportRequest, actor: Actor): Promise<Job> {
    assertWorkspaceRole(membership, 'editor');
    const input: ExportJobInput = {
      include: withDependencies(request.include),
      ...(request.telemetry && {
        telemetry: {
          from: request.telemetry.from.toISOString(),
          to: request.telemetry.to.toISOString(),
          ...(request.telemetry.instrumentIds && { instrumentIds: request.telemetry.instrumentIds }),
        },
      }),
    };
    return this.jobs.create(membership.workspaceId, actor, { kind: JobName.TransferExport, input });
  }

  /** The stored document of a succeeded export job. */
  async download(workspaceId: string, jobId: string): Promise<{ stream: Readable; job: Job }> {
    const job = await this.jobs.get(workspaceId, jobId);
    if (job.kind !== JobName.TransferExport) throw new ExportNotFoundError(jobId);
    if (job.status !== 'succeeded') throw new ExportNotReadyError(jobId, job.status);
    try {
      return { stream: await this.storage.get({ workspaceId, id: jobId }), job };
    } catch (err) {
      if (err instanceof StorageObjectNotFoundError) throw new ExportNotFoundError(jobId);
      throw err;
    }
  }

  /** The worker's side of a `transfer.export` job. */
  async run(context: JobContext): Promise<JobWork<{ lines: number; bytes: number }>> {
    const input = context.job.input as ExportJobInput;
    const scope: ExportScope = {
      workspaceId: context.ref.workspaceId,
      include: input.include,
      datasourceIds: input.datasourceIds,
      schemeIds: input.schemeIds,
      classificationJobIds: input.classificationJobIds,
      telemetry: input.telemetry && {
        from: new Date(input.telemetry.from),
        to: new Date(input.telemetry.to),
        instrumentIds: input.telemetry.instrumentIds,
      },
    };
    const { lines, bytes } = await this.writeDocument(
      scope,
      { workspaceId: scope.workspaceId, id: context.ref.jobId },
      context,
    );
    return { counts: { processed: lines }, result: { lines, bytes } };
  }

  /**
   * Writes the document of a scope to storage under `key` while reading it: memory stays flat (COPY
   * streams with backpressure; files are read in chunks). Answers the entity lines and gzip bytes.
   */
  async writeDocument(
    scope: ExportScope,
    key: { workspaceId: string; id: string },
    context: Pick<JobContext, 'checkpoint' | 'progress'>,
  ): Promise<{ lines: number; bytes: number }> {
    const writer = new NdjsonGzipWriter();
    const stored = this.storage.put(key, writer.readable(), 'application/gzip');
    stored.catch(() => undefined);
    const expected = await this.expectedLines(scope);
    // A client of its own (not TypeORM's runner): one that stopped mid-COPY is discarded, not pooled.
    const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    const client = await pool.connect();
    let failed: Error | undefined;
    try {
      // one snapshot for the whole document: what one kind refers to is there in the next
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const workspace = await client.query<{ name: string }>('SELECT name FROM workspaces WHERE id = $1', [
        scope.workspaceId,
      ]);
      const header: ExportHeader = {
        format: EXPORT_FORMAT,
        version: EXPORT_VERSION,
        exportedAt: new Date().toISOString(),
        source: { workspaceId: scope.workspaceId, workspaceName: workspace.rows[0]?.name ?? '' },
        include: scope.include,
        ...(scope.telemetry && {
          telemetry: { from: scope.telemetry.from.toISOString(), to: scope.telemetry.to.toISOString() },
        }),
      };
      await writer.line(header);
      writer.lines = 0;
      let lastReport = 0;
      const note = async () => {
        if (writer.lines - lastReport < 10_000) return;
        lastReport = writer.lines;
        await context.checkpoint();
        await context.progress(Math.min(0.99, writer.lines / expected), { processed: writer.lines, total: expected });
      };
      const ctx: ExportContext = {
        scope,
        writer,
        dataSource: this.dataSource,
        storage: this.storage,
        written: new Map(),
        query: async <T>(sql: string, params: unknown[]) => (await client.query(sql, params)).rows as T[],
        checkpoint: () => context.checkpoint(),
        note,
        copyLines: async (sql) => {
          const stream = client.query(copyTo(`COPY (${sql}) TO STDOUT ${COPY_OPTIONS}`));
          for await (const chunk of stream as AsyncIterable<Buffer>) {
            await writer.raw(chunk);
            await note();
          }
        },
      };
      for (const kind of this.registry.included(scope.include)) {
        await context.checkpoint();
        // the ids each kind wrote, for the kinds after it (types a kind set itself are kept)
        if (!ctx.written.has(kind.types[0])) await this.rememberIds(client, kind.types[0], scope, ctx.written);
        await kind.export(ctx);
      }
      await client.query('COMMIT');
      await writer.end();
      await stored;
      return { lines: writer.lines, bytes: writer.bytes };
    } catch (err) {
      failed = err as Error;
      writer.abort(failed);
      await stored.catch(() => undefined);
      throw err;
    } finally {
      client.release(failed ? failed : undefined);
    }
  }

  /** Ids of the scope's schemes (in document order), which later kinds may refer to. */
  private async rememberIds(
    client: PoolClient,
    type: string,
    scope: ExportScope,
    written: Map<string, Set<string>>,
  ): Promise<void> {
    if (type !== 'classification-scheme') return;
    const params: unknown[] = [scope.workspaceId];
    let only = '';
    if (scope.schemeIds) {
      params.push(scope.schemeIds);
      only = ' AND id = ANY($2::uuid[])';
    }
    const rows = await client.query<{ id: string }>(
      `SELECT id FROM classification_schemes WHERE workspace_id = $1${only} ORDER BY name, id`,
      params,
    );
    written.set('classification-scheme', new Set(rows.rows.map((r) => r.id)));
  }

  /** Roughly how many lines the document will have (records dominate), for progress. */
  private async expectedLines(scope: ExportScope): Promise<number> {
    if (!scope.include.includes('datasources')) return 1000;
    const params: unknown[] = [scope.workspaceId];
    let only = '';
    if (scope.datasourceIds) {
      params.push(scope.datasourceIds);
      only = ' AND id = ANY($2::uuid[])';
    }
    const rows: Array<{ n: number }> = await this.dataSource.query(
      `SELECT COALESCE(sum(record_count), 0)::float8 AS n FROM datasources WHERE workspace_id = $1${only}`,
      params,
    );
    const results = scope.include.includes('classification-jobs') ? rows[0].n : 0;
    return Math.max(1, rows[0].n + results + 100);
  }
}
