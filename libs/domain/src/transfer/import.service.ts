import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, ValidationError } from '@labwire/core';
import { OBJECT_STORAGE, ObjectStorage } from '@labwire/providers';
import { JobName } from '@labwire/queue';
import { Actor } from '../audit/actor';
import { DatasourceTooLargeError } from '../ingestion/ingestion.errors';
import { JobContext, JobWork } from '../jobs/job-runner';
import { Job, JobRowError } from '../jobs/job.entity';
import { JobsService } from '../jobs/jobs.service';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { EXPORT_FORMAT, EXPORT_VERSION, ExportLine, ExportScope } from './export-format';
import { ExportService } from './export.service';
import { ImportLedger } from './import-ledger';
import { DocumentLine, readDocumentLines } from './ndjson-reader';
import { ConflictPolicy, ImportContext, TransferKind, ValidationContext, ValidationReport } from './transfer-kind';
import { ImportConflictError, ImportDocumentInvalidError, ImportVersionUnsupportedError } from './transfer.errors';
import { TransferRegistry } from './transfer-registry';

export interface ImportOptions {
  onConflict: ConflictPolicy;
  dryRun: boolean;
}

/** Where an import's document comes from: an upload kept in storage, or what a share link grants. */
type ImportPayload =
  | { source: 'upload'; objectId: string; document: string; size: number }
  | { source: 'share-link'; shareLinkId: string; document: string; scope: SerializedScope };

type SerializedScope = Omit<ExportScope, 'telemetry'>;

/** Lines written per batch: records and results in thousands, files a few chunks, other entities in hundreds. */
const BATCH: Record<string, number> = {
  record: 2000,
  'classification-result': 5000,
  telemetry: 10_000,
  'datasource-file': 4,
};
const DEFAULT_BATCH = 500;
const MAX_ERRORS = 1000;
const MAX_CONFLICTS = 1000;

/**
 * Imports of export documents into a workspace (`transfer.import` jobs). A run reads the document
 * twice: first it validates every line (shapes, references to earlier lines, unique values the
 * workspace holds already), which is all a dry run does; then it writes in batches, each kind in
 * the document's order, with ids remapped through the import ledger so that a retried run, or the
 * same document imported again, writes nothing twice.
 */
@Injectable()
export class ImportService {
  private readonly logger = new Logger('Import');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    private readonly dataSource: DataSource,
    private readonly jobs: JobsService,
    private readonly registry: TransferRegistry,
    private readonly exports: ExportService,
  ) {}

  /**
   * Stores an uploaded document (streamed, hashed, size-limited), checks its header line, and starts
   * its import job (editors). A document that is not a Labwire export, or of a newer version, is
   * refused at once.
   */
  async fromUpload(
    membership: WorkspaceMembership,
    upload: { stream: Readable; filename?: string },
    options: ImportOptions,
    actor: Actor,
  ): Promise<Job> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const limit = this.config.transfer.maxImportBytes;
    const hash = createHash('sha256');
    let size = 0;
    const counted = async function* (): AsyncGenerator<Buffer> {
      for await (const chunk of upload.stream as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limit) throw new DatasourceTooLargeError(limit);
        hash.update(chunk);
        yield chunk;
      }
    };
    const key = { workspaceId, id: randomUUID() };
    try {
      await this.storage.put(key, Readable.from(counted()), 'application/gzip');
      if (!size) throw new ValidationError('The file is empty', [{ field: 'file', message: 'is empty' }]);
      await this.checkHeader(await this.storage.get(key));
    } catch (err) {
      await this.storage.delete(key).catch(() => undefined);
      if (size > limit) throw new DatasourceTooLargeError(limit);
      throw err;
    }
    const document = hash.digest('hex');
    const payload: ImportPayload = { source: 'upload', objectId: key.id, document, size };
    return this.jobs.create(workspaceId, actor, {
      kind: JobName.TransferImport,
      input: { source: 'upload', filename: upload.filename ?? null, size, document, ...options },
      payload,
    });
  }

  /** Starts the import of what a share link (permission `import`) grants; the link was checked and counted. */
  async fromShareLink(
    membership: WorkspaceMembership,
    link: { id: string; scope: SerializedScope },
    options: ImportOptions,
    actor: Actor,
  ): Promise<Job> {
    assertWorkspaceRole(membership, 'editor');
    const payload: ImportPayload = {
      source: 'share-link',
      shareLinkId: link.id,
      document: `share-link:${link.id}`,
      scope: link.scope,
    };
    return this.jobs.create(membership.workspaceId, actor, {
      kind: JobName.TransferImport,
      input: { source: 'share-link', shareLinkId: link.id, document: payload.document, ...options },
      payload,
    });
  }

  /** Reads the first line of a stored document: a labwire.export header of a version this code reads. */
  private async checkHeader(stream: Readable): Promise<void> {
    const { lines } = readDocumentLines(stream);
    try {
      const first = await lines.next();
      this.header(first.done ? undefined : first.value);
    } finally {
      await lines.return(undefined);
      stream.destroy();
    }
  }

  private header(line: DocumentLine | undefined): void {
    let header: Record<string, unknown> | undefined;
    try {
      header = line ? (JSON.parse(line.text) as Record<string, unknown>) : undefined;
    } catch {
      header = undefined;
    }
    if (!header || header.format !== EXPORT_FORMAT) {
      throw new ImportDocumentInvalidError(
        `The document is not a Labwire export: its first line must be {"format": "${EXPORT_FORMAT}", "version": …}`,
      );
    }
    if (typeof header.version !== 'number' || !Number.isInteger(header.version) || header.version < 1) {
      throw new ImportDocumentInvalidError('The document header has no valid version');
    }
    if (header.version > EXPORT_VERSION) throw new ImportVersionUnsupportedError(header.version, EXPORT_VERSION);
  }

  /** The worker's side of a `transfer.import` job. */
  async run(context: JobContext): Promise<JobWork<Record<string, unknown>>> {
    const { workspaceId, jobId } = context.ref;
    const input = context.job.input as unknown as ImportOptions;
    const payload = await this.jobs.payloadOf<ImportPayload>(context.ref);
    if (!payload) throw new ImportDocumentInvalidError('The import has no document (its input is gone)');
    const key = { workspaceId, id: payload.source === 'upload' ? payload.objectId : jobId };
    if (payload.source === 'share-link') {
      // the shared items as a document of this job, written anew by every attempt
      await this.exports.writeDocument(payload.scope, key, {
        checkpoint: () => context.checkpoint(),
        progress: async () => undefined,
      });
    }
    const report = await this.validate(key, payload.document, workspaceId, context);
    const counts = Object.fromEntries(Object.entries(report.counts).map(([k, v]) => [k, v]));
    if (report.errorCount) {
      context.rowErrors(
        report.errors.map((e): JobRowError => ({ row: e.line, message: e.message })),
        report.errorCount,
      );
      throw new ImportDocumentInvalidError(
        `The document has ${report.errorCount} invalid line(s); nothing was written (see the job's errors)`,
        report.errors,
      );
    }
    if (input.dryRun) {
      return { counts, result: { dryRun: true, ...report } };
    }
    if (report.conflictCount && input.onConflict === 'fail') {
      const first = report.conflicts[0];
      context.rowErrors(
        report.conflicts.map((c) => ({
          row: c.line,
          field: c.field,
          message: `${c.type} ${c.field} "${c.value}" exists`,
        })),
        report.conflictCount,
      );
      throw new ImportConflictError(first.type, first.field, first.value);
    }
    const ctx: ImportContext = {
      workspaceId,
      document: payload.document,
      jobId,
      actor: { userId: context.job.createdBy as string },
      onConflict: input.onConflict,
      dataSource: this.dataSource,
      storage: this.storage,
      ledger: new ImportLedger(workspaceId, payload.document, jobId),
      ids: new Map(),
      skipped: new Map(),
      written: {},
      instrumentsWithoutCredentials: [],
      webhooksToRotate: [],
      schedulesPaused: [],
      renamed: [],
      checkpoint: () => context.checkpoint(),
    };
    await this.write(key, ctx, report, context);
    for (const kind of this.registry.kinds) if (kind.finish) await kind.finish(ctx);
    if (payload.source === 'share-link') await this.storage.delete(key).catch(() => undefined);
    const written = Object.values(ctx.written).reduce((a, b) => a + b, 0);
    return {
      counts: { ...counts, written },
      result: {
        dryRun: false,
        written: ctx.written,
        counts: report.counts,
        conflicts: report.conflictCount,
        onConflict: input.onConflict,
        renamed: ctx.renamed,
        instrumentsWithoutCredentials: ctx.instrumentsWithoutCredentials,
        webhooksToRotate: ctx.webhooksToRotate,
        schedulesPaused: ctx.schedulesPaused,
      },
    };
  }

  /** Reads the whole document once: every line checked, unique values looked up in the workspace. */
  private async validate(
    key: { workspaceId: string; id: string },
    document: string,
    workspaceId: string,
    context: JobContext,
  ): Promise<ValidationReport> {
    const errors: Array<{ line: number; message: string }> = [];
    let errorCount = 0;
    const deferred: Array<() => Promise<void>> = [];
    const ctx: ValidationContext = {
      seen: new Map(),
      uniques: new Map(),
      error: (line, message) => {
        errorCount++;
        if (errors.length < MAX_ERRORS) errors.push({ line, message });
      },
      defer: (check) => deferred.push(check),
    };
    const counts: Record<string, number> = {};
    let version = EXPORT_VERSION;
    const { lines } = readDocumentLines(await this.storage.get(key));
    let order = -1;
    let n = 0;
    for await (const line of lines) {
      if (line.line === 1) {
        this.header(line);
        version = (JSON.parse(line.text) as { version: number }).version;
        continue;
      }
      if (++n % 50_000 === 0) {
        await context.checkpoint();
        await context.progress(0, { processed: 0, validated: n });
      }
      const parsed = this.parse(line, ctx);
      if (!parsed) continue;
      const kind = this.registry.kindOf(parsed.type) as TransferKind;
      const position = this.registry.kinds.indexOf(kind);
      if (position < order) {
        ctx.error(line.line, `${parsed.type} lines must come before the lines of the kinds that refer to them`);
      }
      order = Math.max(order, position);
      counts[parsed.type] = (counts[parsed.type] ?? 0) + 1;
      kind.validate(parsed.type, parsed.data, line.line, ctx);
    }
    for (const check of deferred) await check();
    errors.sort((a, b) => a.line - b.line);
    const conflicts = [];
    for (const kind of this.registry.kinds) {
      const values = ctx.uniques.get(kind.types[0]);
      if (kind.conflicts && values) {
        conflicts.push(...(await kind.conflicts(workspaceId, document, values, this.dataSource.manager)));
      }
    }
    conflicts.sort((a, b) => a.line - b.line);
    return {
      format: EXPORT_FORMAT,
      version,
      counts,
      conflicts: conflicts.slice(0, MAX_CONFLICTS),
      conflictCount: conflicts.length,
      errors,
      errorCount,
    };
  }

  private parse(line: DocumentLine, ctx: ValidationContext): ExportLine | null {
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch {
      ctx.error(line.line, 'not valid JSON');
      return null;
    }
    const entry = value as Partial<ExportLine> | null;
    if (
      !entry ||
      typeof entry !== 'object' ||
      typeof entry.type !== 'string' ||
      !entry.data ||
      typeof entry.data !== 'object'
    ) {
      ctx.error(line.line, 'a line is {"type": …, "data": {…}}');
      return null;
    }
    if (!this.registry.kindOf(entry.type)) {
      ctx.error(line.line, `unknown type "${entry.type}"`);
      return null;
    }
    return entry as ExportLine;
  }

  /** Reads the document again and writes it: consecutive lines of one type in batches. */
  private async write(
    key: { workspaceId: string; id: string },
    ctx: ImportContext,
    report: ValidationReport,
    context: JobContext,
  ): Promise<void> {
    const total = Object.values(report.counts).reduce((a, b) => a + b, 0);
    const { lines } = readDocumentLines(await this.storage.get(key));
    let batch: ExportLine[] = [];
    let type = '';
    let current: TransferKind | undefined;
    let done = 0;
    const written = () => Object.values(ctx.written).reduce((a, b) => a + b, 0);
    const flushBatch = async () => {
      if (!batch.length || !current) return;
      await ctx.checkpoint();
      const n = await current.write(type, batch, ctx);
      ctx.written[type] = (ctx.written[type] ?? 0) + n;
      done += batch.length;
      batch = [];
      await context.progress(Math.min(0.99, done / Math.max(1, total)), {
        total,
        processed: done,
        written: written(),
      });
    };
    for await (const line of lines) {
      if (line.line === 1) continue;
      const entry = JSON.parse(line.text) as ExportLine;
      if (entry.type !== type || batch.length >= (BATCH[type] ?? DEFAULT_BATCH)) {
        await flushBatch();
        const kind = this.registry.kindOf(entry.type) as TransferKind;
        if (current && kind !== current && current.flush) await current.flush(ctx);
        type = entry.type;
        current = kind;
      }
      batch.push(entry);
    }
    await flushBatch();
    if (current?.flush) await current.flush(ctx);
  }
}
