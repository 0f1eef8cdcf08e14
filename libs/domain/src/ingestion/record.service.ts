import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Page, PageRequest, SortField, toPage } from '@labwire/core';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { DatasourceRepository } from './datasource.repository';
import { IngestedRecord } from './ingested-record';
import { DatasourceNotFoundError, RecordNotFoundError } from './ingestion.errors';
import { RecordCursor, RecordFilter, RecordRepository, RecordSortField } from './record.repository';

/** Records read per round trip of an export. */
export const EXPORT_CHUNK = 1000;

/** The records of a workspace: listed, searched, read, deleted and exported. */
@Injectable()
export class RecordService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly records: RecordRepository,
    private readonly datasources: DatasourceRepository,
    private readonly audit: AuditService,
  ) {}

  async list(
    workspaceId: string,
    filter: RecordFilter,
    page: PageRequest,
    sort: SortField<RecordSortField>[],
  ): Promise<Page<IngestedRecord>> {
    await this.assertDatasource(workspaceId, filter.datasourceId);
    const [items, total] = await this.records.listInWorkspace(workspaceId, filter, page, sort);
    return toPage(items, total, page);
  }

  async get(workspaceId: string, id: string): Promise<IngestedRecord> {
    const record = await this.records.findInWorkspace(workspaceId, id);
    if (!record) throw new RecordNotFoundError(id);
    return record;
  }

  /** Deletes one record (editors); its data source counts one record less. */
  async remove(membership: WorkspaceMembership, id: string, actor: Actor): Promise<void> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    await this.dataSource.transaction(async (em) => {
      const deleted = await this.records.delete(workspaceId, id, em);
      if (!deleted) throw new RecordNotFoundError(id);
      await this.datasources.adjustRecordCount(workspaceId, deleted.datasourceId, -1, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'delete',
        entityType: 'record',
        entityId: id,
        changes: {
          datasourceId: { from: deleted.datasourceId },
          position: { from: deleted.position },
          contentHash: { from: deleted.contentHash },
        },
      });
    });
  }

  /**
   * Every record the filter matches, in (data source, position) order, read in chunks by key so an
   * export of millions of records holds one chunk at a time. Checks the filter before the first row.
   */
  async export(workspaceId: string, filter: RecordFilter): Promise<AsyncGenerator<IngestedRecord>> {
    await this.assertDatasource(workspaceId, filter.datasourceId);
    const records = this.records;
    return (async function* () {
      let after: RecordCursor | null = null;
      for (;;) {
        const chunk = await records.exportChunk(workspaceId, filter, after, EXPORT_CHUNK);
        yield* chunk;
        if (chunk.length < EXPORT_CHUNK) return;
        const last = chunk[chunk.length - 1];
        after = { datasourceId: last.datasourceId, position: last.position };
      }
    })();
  }

  private async assertDatasource(workspaceId: string, datasourceId: string | undefined): Promise<void> {
    if (datasourceId && !(await this.datasources.findInWorkspace(workspaceId, datasourceId))) {
      throw new DatasourceNotFoundError(datasourceId);
    }
  }
}
