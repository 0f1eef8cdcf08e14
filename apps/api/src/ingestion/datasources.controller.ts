import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mapPage, Page, parseSort } from '@labwire/core';
import {
  Actor,
  CreatedDatasource,
  DATASOURCE_SORT_FIELDS,
  DatasourceNotFoundError,
  DatasourceService,
  WorkspaceMembership,
} from '@labwire/domain';
import { pageRequest } from '../common/dto/page-query.dto';
import { ApiPageResponse } from '../common/dto/page.dto';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { RouteBody } from '../common/http/route-body';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { CurrentActor } from '../common/workspaces/current-actor.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { JobDto, jobPath } from '../jobs/dto/job.dto';
import { CreateDatasourceDto, UploadFieldsDto } from './dto/create-datasource.dto';
import { DatasourceDto, datasourcePath } from './dto/datasource.dto';
import { ListDatasourcesQueryDto } from './dto/list-datasources-query.dto';
import { readUpload, validated } from './multipart-upload';

const datasourceIdPipe = new ResourceIdPipe((id) => new DatasourceNotFoundError(id));
const DATASOURCE_ID = { name: 'datasourceId', type: String, format: 'uuid' } as const;

/** Files, URL lists and text blocks of a workspace, turned into records by ingestion jobs. */
@ApiTags('datasources')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/datasources')
export class DatasourcesController {
  constructor(private readonly datasources: DatasourceService) {}

  @Post()
  @RequireWorkspaceRole('editor')
  @RouteBody({ multipart: true })
  @ApiOperation({
    summary: 'Add a data source: upload a file, or send a URL list or a text block',
    description:
      '`multipart/form-data`: optional fields first (type, name, textColumn, textField, split, delimiter, ' +
      'classifySchemeId), then the `file` part (CSV, JSON, NDJSON, UTF-8 text or PDF), streamed into storage. ' +
      "The content decides: it must be what the type field, else the file's extension, else its media type says " +
      '(415 otherwise); more than DATASOURCE_MAX_BYTES is 413. `application/json`: `{type: "urls", urls}` or ' +
      '`{type: "text", text, split}`. A new data source answers 201 and its ingestion job starts (`links.job`); ' +
      'content the workspace already has (same SHA-256) answers 200 with that data source and `duplicateOf`.',
    requestBody: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            allOf: [
              { $ref: getSchemaPath(UploadFieldsDto) },
              {
                type: 'object',
                required: ['file'],
                properties: { file: { type: 'string', format: 'binary', description: 'The file: the last part' } },
              },
            ],
          },
        },
        'application/json': {
          schema: { $ref: getSchemaPath(CreateDatasourceDto) },
          example: { type: 'urls', urls: ['https://example.org/notes/run-42.txt'] },
        },
      },
    },
  })
  @ApiExtraModels(UploadFieldsDto, CreateDatasourceDto)
  @ApiCreatedResponse({ type: DatasourceDto, description: 'Created; its ingestion job is queued' })
  @ApiOkResponse({
    type: DatasourceDto,
    description: 'The same content is already there: that data source, with duplicateOf',
  })
  @ApiProblems(400, 403, 413, 415, 503)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Req() request: FastifyRequest,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DatasourceDto> {
    let created: CreatedDatasource;
    if (request.isMultipart()) {
      created = await readUpload(request, (upload) => this.datasources.createFromUpload(membership, upload, actor));
    } else {
      const dto = await validated(CreateDatasourceDto, body ?? {});
      created = await this.datasources.createFromSubmission(
        membership,
        dto.type === 'urls'
          ? { type: 'urls', urls: dto.urls ?? [], name: dto.name, classifySchemeId: dto.classifySchemeId }
          : {
              type: 'text',
              text: dto.text ?? '',
              split: dto.split,
              name: dto.name,
              classifySchemeId: dto.classifySchemeId,
            },
        actor,
      );
    }
    const { datasource, duplicateOf } = created;
    reply.status(duplicateOf ? 200 : 201).header('location', datasourcePath(datasource.workspaceId, datasource.id));
    return DatasourceDto.from(datasource, duplicateOf);
  }

  @Get()
  @ApiOperation({
    summary: 'List data sources, newest first',
    description: 'Filter by type, status, q (part of the name); sort by createdAt, name, size, recordCount.',
  })
  @ApiPageResponse(DatasourceDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() query: ListDatasourcesQueryDto,
  ): Promise<Page<DatasourceDto>> {
    const sort = parseSort(query.sort, DATASOURCE_SORT_FIELDS, [{ field: 'createdAt', direction: 'DESC' }]);
    const page = await this.datasources.list(
      membership.workspaceId,
      { type: query.type, status: query.status, q: query.q },
      pageRequest(query),
      sort,
    );
    return mapPage(page, (d) => DatasourceDto.from(d));
  }

  @Get(':datasourceId')
  @ApiParam(DATASOURCE_ID)
  @ApiOperation({ summary: 'Get a data source: status, counts, checksum, last ingestion job' })
  @ApiOkResponse({ type: DatasourceDto })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('datasourceId', datasourceIdPipe) datasourceId: string,
  ): Promise<DatasourceDto> {
    return DatasourceDto.from(await this.datasources.get(membership.workspaceId, datasourceId));
  }

  @Post(':datasourceId/ingestion')
  @ApiParam(DATASOURCE_ID)
  @HttpCode(202)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Ingest the data source again (a new job)',
    description:
      'Records already stored are kept and not duplicated. 409 DATASOURCE_BUSY while an ingestion is queued ' +
      'or running; to run a failed or cancelled job again, POST …/jobs/{jobId}/retry also works.',
  })
  @ApiAcceptedResponse({ type: JobDto, headers: { Location: { description: 'The job', schema: { type: 'string' } } } })
  @ApiProblems(403, 409, 503)
  async reingest(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('datasourceId', datasourceIdPipe) datasourceId: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobDto> {
    const job = await this.datasources.reingest(membership, datasourceId, actor);
    reply.header('location', jobPath(job.workspaceId, job.id));
    return JobDto.from(job);
  }

  @Delete(':datasourceId')
  @ApiParam(DATASOURCE_ID)
  @HttpCode(204)
  @RequireWorkspaceRole('editor')
  @ApiOperation({ summary: 'Delete a data source, its records and its stored file (a running ingestion is cancelled)' })
  @ApiNoContentResponse()
  @ApiProblems(403)
  async remove(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('datasourceId', datasourceIdPipe) datasourceId: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.datasources.remove(membership, datasourceId, actor);
  }
}
