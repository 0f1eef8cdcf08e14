import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { mapPage, Page } from '@labwire/core';
import {
  ClassificationJobService,
  ClassificationSchemeService,
  DatasourceService,
  InstrumentService,
  LocationService,
  RecordService,
  SharedGrant,
  ShareLinkNotFoundError,
  ShareLinkService,
  ShareRateLimiter,
} from '@labwire/domain';
import { Public } from '../common/auth/auth.decorators';
import { pageRequest, PageQueryDto } from '../common/dto/page-query.dto';
import { ApiPageResponse } from '../common/dto/page.dto';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { ClassificationResultDto, ListResultsQueryDto } from '../classification/dto/classification-job.dto';
import { SchemeDto } from '../classification/dto/scheme.dto';
import { DatasourceDto } from '../ingestion/dto/datasource.dto';
import { RecordDto } from '../ingestion/dto/record.dto';
import { InstrumentDto } from '../instruments/dto/instrument.dto';
import { LocationDto } from '../instruments/dto/location.dto';
import { JobDto } from '../jobs/dto/job.dto';
import { SharedRecordsQueryDto } from './dto/shared-query.dto';
import { SharedItemDto } from './dto/share-link.dto';

/** Every id of a shared route answers the same 404 as a bad token when it is not what the link shares. */
const idPipe = new ResourceIdPipe(() => new ShareLinkNotFoundError());
const TOKEN = { name: 'token', type: String, description: 'The share link token' } as const;
const NONE = { security: [] as Array<Record<string, string[]>> };

function notShared(): never {
  throw new ShareLinkNotFoundError();
}

/**
 * What a share link grants, read without an account: the same shapes as the owner routes, for the
 * shared item only. Every request counts as a use of the link; unknown, expired, revoked and used-up
 * tokens, and anything the link does not share, answer the same 404. Rate-limited per address.
 */
@ApiTags('shared')
@Public()
@ApiProblems(404, 429)
@Controller('shared/:token')
export class SharedController {
  constructor(
    private readonly links: ShareLinkService,
    private readonly limiter: ShareRateLimiter,
    private readonly datasources: DatasourceService,
    private readonly records: RecordService,
    private readonly schemes: ClassificationSchemeService,
    private readonly classification: ClassificationJobService,
    private readonly locations: LocationService,
    private readonly instruments: InstrumentService,
  ) {}

  private async grant(request: FastifyRequest, token: string): Promise<SharedGrant> {
    await this.limiter.consume(request.ip);
    return this.links.use(token, { permission: 'view', requestId: String(request.id) });
  }

  private workspaceOnly(grant: SharedGrant): void {
    if (grant.link.kind !== 'workspace') notShared();
  }

  private allowsDatasource(grant: SharedGrant, id: string): boolean {
    return grant.link.kind === 'workspace' || (grant.link.kind === 'datasource' && grant.link.targetId === id);
  }

  @Get()
  @ApiParam(TOKEN)
  @ApiOperation({ summary: 'What the link shares', ...NONE })
  @ApiOkResponse({ type: SharedItemDto })
  async item(@Req() request: FastifyRequest, @Param('token') token: string): Promise<SharedItemDto> {
    const { link } = await this.grant(request, token);
    const name = await this.links.nameOf(link);
    return {
      kind: link.kind,
      targetId: link.targetId,
      permission: link.permission,
      expiresAt: new Date(link.expiresAt).toISOString(),
      name,
    };
  }

  @Get('datasources')
  @ApiParam(TOKEN)
  @ApiOperation({ summary: 'The shared data sources (a data source link: that one)', ...NONE })
  @ApiPageResponse(DatasourceDto)
  async datasourceList(
    @Req() request: FastifyRequest,
    @Param('token') token: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<DatasourceDto>> {
    const grant = await this.grant(request, token);
    const ws = grant.link.workspaceId;
    const page = pageRequest(query);
    if (grant.link.kind === 'datasource') {
      const only = await this.datasources.get(ws, grant.link.targetId as string);
      const items = page.page === 1 ? [DatasourceDto.from(only)] : [];
      return { items, total: 1, page: page.page, pageSize: page.pageSize, totalPages: 1 };
    }
    this.workspaceOnly(grant);
    const list = await this.datasources.list(ws, {}, page, [{ field: 'createdAt', direction: 'DESC' }]);
    return mapPage(list, (d) => DatasourceDto.from(d));
  }

  @Get('datasources/:datasourceId')
  @ApiParam(TOKEN)
  @ApiParam({ name: 'datasourceId', type: String, format: 'uuid' })
  @ApiOperation({ summary: 'A shared data source', ...NONE })
  @ApiOkResponse({ type: DatasourceDto })
  async datasource(
    @Req() request: FastifyRequest,
    @Param('token') token: string,
    @Param('datasourceId', idPipe) id: string,
  ): Promise<DatasourceDto> {
    const grant = await this.grant(request, token);
    if (!this.allowsDatasource(grant, id)) notShared();
    return DatasourceDto.from(await this.datasources.get(grant.link.workspaceId, id).catch(notShared));
  }

  @Get('records')
  @ApiParam(TOKEN)
  @ApiOperation({ summary: 'Records of the shared data source(s), by data source and position', ...NONE })
  @ApiPageResponse(RecordDto)
  async recordList(
    @Req() request: FastifyRequest,
    @Param('token') token: string,
    @Query() query: SharedRecordsQueryDto,
  ): Promise<Page<RecordDto>> {
    const grant = await this.grant(request, token);
    let datasourceId = query.datasourceId;
    if (grant.link.kind === 'datasource') {
      if (datasourceId && datasourceId !== grant.link.targetId) notShared();
      datasourceId = grant.link.targetId as string;
    } else {
      this.workspaceOnly(grant);
    }
    const page = await this.records
      .list(grant.link.workspaceId, { datasourceId }, pageRequest(query), [{ field: 'position', direction: 'ASC' }])
      .catch(notShared);
    return mapPage(page, (r) => RecordDto.from(r));
  }

  @Get('classification-schemes/:schemeId')
  @ApiParam(TOKEN)
  @ApiParam({ name: 'schemeId', type: String, format: 'uuid' })
  @ApiOperation({ summary: 'A shared classification scheme (its provider API key is never shown)', ...NONE })
  @ApiOkResponse({ type: SchemeDto })
  async scheme(
    @Req() request: FastifyRequest,
    @Param('token') token: string,
    @Param('schemeId', idPipe) id: string,
  ): Promise<SchemeDto> {
    const grant = await this.grant(request, token);
    const { kind, targetId } = grant.link;
    if (!(kind === 'workspace' || (kind === 'classification_scheme' && targetId === id))) notShared();
    return SchemeDto.fromScheme(await this.schemes.get(grant.link.workspaceId, id).catch(notShared));
  }

  @Get('classification-jobs/:jobId')
  @ApiParam(TOKEN)
  @ApiParam({ name: 'jobId', type: String, format: 'uuid' })
  @ApiOperation({ summary: 'A shared classification job', ...NONE })
  @ApiOkResponse({ type: JobDto })
  async job(
    @Req() request: FastifyRequest,
    @Param('token') token: string,
    @Param('jobId', idPipe) id: string,
  ): Promise<JobDto> {
    const grant = await this.sharedJob(request, token, id);
    return JobDto.from(await this.classification.get(grant.link.workspaceId, id).catch(notShared));
  }

  @Get('classification-jobs/:jobId/results')
  @ApiParam(TOKEN)
  @ApiParam({ name: 'jobId', type: String, format: 'uuid' })
  @ApiOperation({ summary: "A shared classification job's results (filter label, minConfidence)", ...NONE })
  @ApiPageResponse(ClassificationResultDto)
  async results(
    @Req() request: FastifyRequest,
    @Param('token') token: string,
    @Param('jobId', idPipe) id: string,
    @Query() query: ListResultsQueryDto,
  ): Promise<Page<ClassificationResultDto>> {
    const grant = await this.sharedJob(request, token, id);
    const page = await this.classification
      .listResults(
        grant.link.workspaceId,
        id,
        { label: query.label, minConfidence: query.minConfidence },
        pageRequest(query),
        [{ field: 'position', direction: 'ASC' }],
      )
      .catch(notShared);
    return mapPage(page, (r) => ClassificationResultDto.from(r));
  }

  private async sharedJob(request: FastifyRequest, token: string, id: string): Promise<SharedGrant> {
    const grant = await this.grant(request, token);
    const { kind, targetId } = grant.link;
    if (!(kind === 'workspace' || (kind === 'classification_job' && targetId === id))) notShared();
    return grant;
  }

  @Get('locations')
  @ApiParam(TOKEN)
  @ApiOperation({ summary: "A shared workspace's locations", ...NONE })
  @ApiPageResponse(LocationDto)
  async locationList(
    @Req() request: FastifyRequest,
    @Param('token') token: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<LocationDto>> {
    const grant = await this.grant(request, token);
    this.workspaceOnly(grant);
    const page = await this.locations.list(grant.link.workspaceId, {}, pageRequest(query), [
      { field: 'name', direction: 'ASC' },
    ]);
    return mapPage(page, (l) => LocationDto.from(l));
  }

  @Get('instruments')
  @ApiParam(TOKEN)
  @ApiOperation({ summary: "A shared workspace's instruments (never their MQTT secrets)", ...NONE })
  @ApiPageResponse(InstrumentDto)
  async instrumentList(
    @Req() request: FastifyRequest,
    @Param('token') token: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<InstrumentDto>> {
    const grant = await this.grant(request, token);
    this.workspaceOnly(grant);
    const page = await this.instruments.list(grant.link.workspaceId, {}, pageRequest(query), [
      { field: 'name', direction: 'ASC' },
    ]);
    return mapPage(page, (i) => InstrumentDto.from(i));
  }
}
