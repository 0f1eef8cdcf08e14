import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, Page, PageRequest, SortField, toPage, ValidationError } from '@labwire/core';
import { OBJECT_STORAGE, ObjectStorage, SNIFF_BYTES, sniffContent, TextSplit } from '@labwire/providers';
import { JobName } from '@labwire/queue';
import { Actor } from '../audit/actor';
import { createdChanges, deletedChanges } from '../audit/audit-changes';
import { AuditService } from '../audit/audit.service';
import { Job } from '../jobs/job.entity';
import { JobsService } from '../jobs/jobs.service';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { Datasource, DatasourceOptions, DatasourceType, FileDatasourceType } from './datasource';
import { DatasourceFilter, DatasourceRepository, DatasourceSortField } from './datasource.repository';
import { declaredType, resolveFileType } from './datasource-type';
import { ClassificationSchemeNotFoundError } from '../classification/classification.errors';
import { DatasourceBusyError, DatasourceNotFoundError, DatasourceTooLargeError } from './ingestion.errors';

/** An uploaded file as the transport hands it over: a stream, never the whole file. */
export interface DatasourceUpload {
  stream: Readable;
  filename?: string;
  mediaType?: string;
  /** the `type` field, when the client says what the file is */
  type?: FileDatasourceType;
  name?: string;
  textColumn?: string;
  textField?: string;
  split?: TextSplit;
  delimiter?: string;
  classifySchemeId?: string | null;
}

export type DatasourceSubmission =
  | { type: 'urls'; urls: string[]; name?: string; classifySchemeId?: string | null }
  | { type: 'text'; text: string; split?: TextSplit; name?: string; classifySchemeId?: string | null };

/** What creating a data source did: created it and started its ingestion, or found the same content. */
export interface CreatedDatasource {
  datasource: Datasource;
  /** the data source with the same content this upload turned out to be (nothing new was stored) */
  duplicateOf?: string;
  job?: Job;
}

const AUDITED = ['name', 'type', 'size', 'checksum', 'options', 'classifySchemeId'] as const;
const MAX_URL_LENGTH = 2048;

/**
 * Data sources of a workspace: uploads streamed into object storage (type checked from the content,
 * size limited, SHA-256 kept; the same content twice is recognised), URL lists and text blocks; each
 * new one gets an `ingestion.run` job. Listing, reading and deleting (records and stored file too).
 */
@Injectable()
export class DatasourceService {
  private readonly logger = new Logger('Datasources');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    private readonly dataSource: DataSource,
    private readonly datasources: DatasourceRepository,
    private readonly jobs: JobsService,
    private readonly audit: AuditService,
  ) {}

  async list(
    workspaceId: string,
    filter: DatasourceFilter,
    page: PageRequest,
    sort: SortField<DatasourceSortField>[],
  ): Promise<Page<Datasource>> {
    const [items, total] = await this.datasources.listInWorkspace(workspaceId, filter, page, sort);
    return toPage(items, total, page);
  }

  async get(workspaceId: string, id: string): Promise<Datasource> {
    const datasource = await this.datasources.findInWorkspace(workspaceId, id);
    if (!datasource) throw new DatasourceNotFoundError(id);
    return datasource;
  }

  /**
   * Streams an uploaded file into storage while hashing and counting it: the first 64 KiB decide its
   * type (415 when the content is not what it declares), more than DATASOURCE_MAX_BYTES is 413 with
   * the partial object removed. The same content already in the workspace answers that data source.
   */
  async createFromUpload(
    membership: WorkspaceMembership,
    upload: DatasourceUpload,
    actor: Actor,
  ): Promise<CreatedDatasource> {
    assertWorkspaceRole(membership, 'editor');
    await this.checkClassifyScheme(membership.workspaceId, upload.classifySchemeId);
    const limit = this.config.ingestion.maxUploadBytes;
    const iterator = (upload.stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    let headBytes = 0;
    let ended = false;
    while (headBytes < SNIFF_BYTES) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        break;
      }
      head.push(next.value);
      headBytes += next.value.length;
    }
    if (headBytes > limit) throw new DatasourceTooLargeError(limit);
    const prefix = Buffer.concat(head);
    const sniff = sniffContent(prefix.subarray(0, SNIFF_BYTES), ended && prefix.length <= SNIFF_BYTES);
    if (!prefix.length || sniff.empty) throw new ValidationError('The file is empty');
    const type = resolveFileType(declaredType(upload.type, upload.filename, upload.mediaType), sniff);
    const options = this.fileOptions(type, upload, sniff.csvDelimiter);
    const hash = createHash('sha256');
    let size = 0;
    let tooLarge = false;
    const body = async function* (): AsyncGenerator<Buffer> {
      const take = (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          tooLarge = true;
          throw new DatasourceTooLargeError(limit);
        }
        hash.update(chunk);
        return chunk;
      };
      for (const chunk of head) yield take(chunk);
      if (ended) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield take(next.value);
      }
    };
    const name = upload.name?.trim() || upload.filename?.trim() || `${type} upload`;
    return this.store(
      membership.workspaceId,
      actor,
      Readable.from(body()),
      () => ({ size, checksum: hash.digest('hex') }),
      {
        name: name.slice(0, 500),
        type,
        options,
        classifySchemeId: upload.classifySchemeId ?? null,
        tooLarge: () => tooLarge,
      },
    );
  }

  /** A URL list (checked: http(s), at most INGEST_MAX_URLS) or a text block, stored like a file. */
  async createFromSubmission(
    membership: WorkspaceMembership,
    submission: DatasourceSubmission,
    actor: Actor,
  ): Promise<CreatedDatasource> {
    assertWorkspaceRole(membership, 'editor');
    await this.checkClassifyScheme(membership.workspaceId, submission.classifySchemeId);
    let content: string;
    let options: DatasourceOptions;
    let name: string;
    if (submission.type === 'urls') {
      const urls = this.checkUrls(submission.urls);
      content = urls.join('\n') + '\n';
      options = { urlCount: urls.length };
      name = submission.name?.trim() || `${urls.length} URL${urls.length === 1 ? '' : 's'}`;
    } else {
      if (!submission.text.trim())
        throw new ValidationError('The text is empty', [{ field: 'text', message: 'is empty' }]);
      content = submission.text;
      options = { split: submission.split ?? 'line' };
      name = submission.name?.trim() || 'Text';
    }
    const bytes = Buffer.from(content, 'utf8');
    const checksum = createHash('sha256').update(bytes).digest('hex');
    return this.store(membership.workspaceId, actor, Readable.from([bytes]), () => ({ size: bytes.length, checksum }), {
      name: name.slice(0, 500),
      type: submission.type,
      options,
      classifySchemeId: submission.classifySchemeId ?? null,
      tooLarge: () => false,
    });
  }

  /** The scheme an upload asks to be classified with (the job chain) must be the workspace's. */
  private async checkClassifyScheme(workspaceId: string, schemeId: string | null | undefined): Promise<void> {
    if (schemeId && !(await this.datasources.classificationSchemeExists(workspaceId, schemeId))) {
      throw new ClassificationSchemeNotFoundError(schemeId);
    }
  }

  /**
   * Starts another ingestion of the data source (editors), e.g. after its job failed for good or was
   * cancelled and its retries are spent. Refused while one is queued or running.
   */
  async reingest(membership: WorkspaceMembership, id: string, actor: Actor): Promise<Job> {
    assertWorkspaceRole(membership, 'editor');
    const datasource = await this.get(membership.workspaceId, id);
    if ((datasource.status === 'pending' || datasource.status === 'ingesting') && datasource.lastJobId) {
      throw new DatasourceBusyError(id, datasource.lastJobId);
    }
    return this.startIngestion(membership.workspaceId, datasource, actor);
  }

  /**
   * Deletes the data source, its records and its stored file (editors). A queued or running ingestion
   * is cancelled first; should it still write a batch, the write fails (the data source is gone).
   */
  async remove(membership: WorkspaceMembership, id: string, actor: Actor): Promise<void> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const current = await this.get(workspaceId, id);
    if (current.lastJobId && (current.status === 'pending' || current.status === 'ingesting')) {
      await this.jobs.cancel(membership, current.lastJobId, actor).catch((err: Error) => {
        this.logger.warn(`data source ${id}: its job ${current.lastJobId} was not cancelled: ${err.message}`);
      });
    }
    await this.dataSource.transaction(async (em) => {
      const before = await this.datasources.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new DatasourceNotFoundError(id);
      await this.datasources.delete(workspaceId, id, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'delete',
        entityType: 'datasource',
        entityId: id,
        changes: { ...deletedChanges(before, AUDITED), recordCount: { from: before.recordCount } },
      });
    });
    // After the commit: a file without a row is only garbage, a row without its file would be broken.
    await this.storage.delete({ workspaceId, id }).catch((err: Error) => {
      this.logger.warn(`data source ${id}: its stored file was not removed: ${err.message}`);
    });
  }

  /** The URLs of a list, checked: http(s), at most INGEST_MAX_URLS; answers them trimmed. */
  checkUrls(urls: string[]): string[] {
    const max = this.config.ingestion.maxUrls;
    if (!urls.length) throw new ValidationError('The URL list is empty', [{ field: 'urls', message: 'is empty' }]);
    if (urls.length > max) {
      throw new ValidationError(`At most ${max} URLs per data source (INGEST_MAX_URLS)`, [
        { field: 'urls', message: `${urls.length} URLs, the limit is ${max}` },
      ]);
    }
    const errors: Array<{ field: string; message: string }> = [];
    const clean = urls.map((raw, i) => {
      const url = raw.trim();
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        // reported below
      }
      if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || /\s/.test(url)) {
        errors.push({ field: `urls[${i}]`, message: 'not an http or https URL' });
      } else if (url.length > MAX_URL_LENGTH) {
        errors.push({ field: `urls[${i}]`, message: `longer than ${MAX_URL_LENGTH} characters` });
      }
      return url;
    });
    if (errors.length) throw new ValidationError(`${errors.length} of the URLs are not usable`, errors);
    return clean;
  }

  private fileOptions(type: FileDatasourceType, upload: DatasourceUpload, detected: string | null): DatasourceOptions {
    switch (type) {
      case 'csv':
        return {
          delimiter: upload.delimiter ?? detected ?? ',',
          ...(upload.textColumn && { textColumn: upload.textColumn }),
        };
      case 'json':
      case 'ndjson':
        return upload.textField ? { textField: upload.textField } : {};
      case 'text':
        return { split: upload.split ?? 'line' };
      case 'pdf':
        return {};
    }
  }

  /**
   * Stores the content under a new id, then records the data source (or finds the one with the same
   * checksum, dropping what was just stored) and starts its ingestion.
   */
  private async store(
    workspaceId: string,
    actor: Actor,
    body: Readable,
    digest: () => { size: number; checksum: string },
    meta: {
      name: string;
      type: DatasourceType;
      options: DatasourceOptions;
      classifySchemeId: string | null;
      tooLarge: () => boolean;
    },
  ): Promise<CreatedDatasource> {
    const id = randomUUID();
    const key = { workspaceId, id };
    try {
      await this.storage.put(key, body);
    } catch (err) {
      // the storage removed what it had written; make sure of it for the size limit's sake
      await this.storage.delete(key).catch(() => undefined);
      if (meta.tooLarge()) throw new DatasourceTooLargeError(this.config.ingestion.maxUploadBytes);
      throw err;
    }
    const { size, checksum } = digest();
    const existing = await this.recordOrRemove(key, () => this.datasources.findByChecksum(workspaceId, checksum));
    if (existing) {
      await this.storage.delete(key);
      return { datasource: existing, duplicateOf: existing.id };
    }
    const created = await this.recordOrRemove(key, () =>
      this.dataSource.transaction(async (em) => {
        const row = await this.datasources.insert(
          workspaceId,
          {
            id,
            name: meta.name,
            type: meta.type,
            size,
            checksum,
            options: meta.options,
            classifySchemeId: meta.classifySchemeId,
            createdBy: actor.userId,
          },
          em,
        );
        if (row) {
          await this.audit.record(em, workspaceId, actor, {
            action: 'create',
            entityType: 'datasource',
            entityId: id,
            changes: createdChanges(row, AUDITED),
          });
        }
        return row;
      }),
    );
    if (!created) {
      // the same content was uploaded at the same moment, and that one was recorded first
      await this.storage.delete(key);
      const winner = await this.datasources.findByChecksum(workspaceId, checksum);
      if (!winner) throw new DatasourceNotFoundError(checksum);
      return { datasource: winner, duplicateOf: winner.id };
    }
    const job = await this.startIngestion(workspaceId, created, actor);
    return { datasource: await this.get(workspaceId, id), job };
  }

  /** Records what was stored; should that fail, the stored object goes too (a file without a row is lost). */
  private async recordOrRemove<T>(key: { workspaceId: string; id: string }, record: () => Promise<T>): Promise<T> {
    try {
      return await record();
    } catch (err) {
      await this.storage.delete(key).catch((cleanup: Error) => {
        this.logger.warn(`data source ${key.id}: its stored file was not removed: ${cleanup.message}`);
      });
      throw err;
    }
  }

  private async startIngestion(workspaceId: string, datasource: Datasource, actor: Actor): Promise<Job> {
    return this.jobs.create(workspaceId, actor, {
      kind: JobName.IngestionRun,
      input: { datasourceId: datasource.id, name: datasource.name, type: datasource.type, size: datasource.size },
      payload: { datasourceId: datasource.id },
      // With the job, not after it was queued: should the queue refuse it, the data source shows that
      // failed job (retryable) instead of staying pending with none.
      link: (job, em) => this.datasources.setLastJob(workspaceId, datasource.id, job.id, em),
    });
  }
}
