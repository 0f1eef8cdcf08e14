import { Controller, Delete, Get, HttpCode, Param, Query, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { csvRow, mapPage, Page, parseSort } from '@labwire/core';
import {
  Actor,
  IngestedRecord,
  RECORD_SORT_FIELDS,
  RecordNotFoundError,
  RecordService,
  WorkspaceMembership,
} from '@labwire/domain';
import { pageRequest } from '../common/dto/page-query.dto';
import { ApiPageResponse } from '../common/dto/page.dto';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { CurrentActor } from '../common/workspaces/current-actor.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { ExportRecordsQueryDto, ListRecordsQueryDto, recordFilter } from './dto/list-records-query.dto';
import { RecordDto } from './dto/record.dto';

const recordIdPipe = new ResourceIdPipe((id) => new RecordNotFoundError(id));
const RECORD_ID = { name: 'recordId', type: String, format: 'uuid' } as const;
const CSV_COLUMNS = ['id', 'datasourceId', 'position', 'text', 'metadata', 'contentHash', 'createdAt'];

/** Record text comes from uploaded files and fetched pages: csvRow neutralises formula-like cells. */
function csvLine(r: IngestedRecord): string {
  return csvRow([
    r.id,
    r.datasourceId,
    r.position,
    r.text,
    JSON.stringify(r.metadata),
    r.contentHash,
    r.createdAt.toISOString(),
  ]);
}

/** Groups lines into chunks of ~64 KiB so the response is written in few, large pieces. */
async function* chunked(lines: AsyncIterable<string>, header?: string): AsyncGenerator<string> {
  let buffer = header ?? '';
  for await (const line of lines) {
    buffer += line;
    if (buffer.length >= 65_536) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer) yield buffer;
}

async function* map<T, U>(items: AsyncIterable<T>, fn: (item: T) => U): AsyncGenerator<U> {
  for await (const item of items) yield fn(item);
}

/** The records that ingestion made: list, full-text search, read, delete, export. */
@ApiTags('records')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/records')
export class RecordsController {
  constructor(private readonly records: RecordService) {}

  @Get()
  @ApiOperation({
    summary: 'List records',
    description:
      'Filter by datasourceId, q (full-text search: words, "phrases", or, -excluded; simple configuration, ' +
      'no stemming) and one metadata field (metadataKey + metadataValue, compared as text). Ordered by data ' +
      'source and position; sort=position, createdAt (prefix - for descending).',
  })
  @ApiPageResponse(RecordDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() query: ListRecordsQueryDto,
  ): Promise<Page<RecordDto>> {
    const sort = parseSort(query.sort, RECORD_SORT_FIELDS, [{ field: 'position', direction: 'ASC' }]);
    const page = await this.records.list(membership.workspaceId, recordFilter(query), pageRequest(query), sort);
    return mapPage(page, (r) => RecordDto.from(r));
  }

  @Get('export')
  @ApiOperation({
    summary: 'Export records as CSV or NDJSON (streamed)',
    description:
      'The same filters as the list, every matching record in data source and position order. CSV columns: ' +
      `${CSV_COLUMNS.join(', ')} (metadata as JSON); NDJSON: one record per line, as the list shows them.`,
  })
  @ApiProduces('text/csv', 'application/x-ndjson')
  @ApiOkResponse({ description: 'The records', schema: { type: 'string' } })
  @ApiProblems(400)
  async export(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() query: ExportRecordsQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const rows = await this.records.export(membership.workspaceId, recordFilter(query));
    const csv = query.format === 'csv';
    const body = csv
      ? chunked(map(rows, csvLine), CSV_COLUMNS.join(',') + '\r\n')
      : chunked(map(rows, (r) => JSON.stringify(RecordDto.from(r)) + '\n'));
    await reply
      .header('content-type', csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="records.${csv ? 'csv' : 'ndjson'}"`)
      .send(Readable.from(body));
  }

  @Get(':recordId')
  @ApiParam(RECORD_ID)
  @ApiOperation({ summary: 'Get a record' })
  @ApiOkResponse({ type: RecordDto })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('recordId', recordIdPipe) recordId: string,
  ): Promise<RecordDto> {
    return RecordDto.from(await this.records.get(membership.workspaceId, recordId));
  }

  @Delete(':recordId')
  @ApiParam(RECORD_ID)
  @HttpCode(204)
  @RequireWorkspaceRole('editor')
  @ApiOperation({ summary: 'Delete a record' })
  @ApiNoContentResponse()
  @ApiProblems(403)
  async remove(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('recordId', recordIdPipe) recordId: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.records.remove(membership, recordId, actor);
  }
}
