import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { mapPage, Page, parseSort, ValidationError } from '@labwire/core';
import {
  Actor,
  ClassificationSchemeNotFoundError,
  ClassificationSchemeService,
  SCHEME_SORT_FIELDS,
  WorkspaceMembership,
} from '@labwire/domain';
import { PageQueryDto, pageRequest } from '../common/dto/page-query.dto';
import { ApiPageResponse } from '../common/dto/page.dto';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { CurrentActor } from '../common/workspaces/current-actor.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { CreateSchemeDto } from './dto/create-scheme.dto';
import { ListSchemesQueryDto } from './dto/list-schemes-query.dto';
import { SchemeDto, SchemeSummaryDto, SchemeVersionDto } from './dto/scheme.dto';
import { UpdateSchemeDto } from './dto/update-scheme.dto';

const schemeIdPipe = new ResourceIdPipe((id) => new ClassificationSchemeNotFoundError(id));
const SCHEME_ID = { name: 'schemeId', type: String, format: 'uuid' } as const;
const versionPipe = new ParseIntPipe({
  exceptionFactory: () =>
    new ValidationError('version must be a whole number', [{ field: 'version', message: 'must be a whole number' }]),
});

/** Classification schemes of a workspace: labels, rules, examples, provider, versions. */
@ApiTags('classification')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/classification-schemes')
export class ClassificationSchemesController {
  constructor(private readonly schemes: ClassificationSchemeService) {}

  @Get()
  @ApiOperation({ summary: 'List classification schemes (sort: name, createdAt, updatedAt; filter q)' })
  @ApiPageResponse(SchemeSummaryDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() query: ListSchemesQueryDto,
  ): Promise<Page<SchemeSummaryDto>> {
    const sort = parseSort(query.sort, SCHEME_SORT_FIELDS, [{ field: 'name', direction: 'ASC' }]);
    const page = await this.schemes.list(membership.workspaceId, { q: query.q }, pageRequest(query), sort);
    return mapPage(page, (s) => SchemeSummaryDto.fromSummary(s));
  }

  @Post()
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Create a classification scheme',
    description:
      'Labels (single mode: at least 2) with keyword and regex rules, examples, and the provider (builtin, or an ' +
      'OpenAI-compatible http endpoint whose apiKey is stored encrypted and never returned). Regexes that can ' +
      'backtrack catastrophically are refused (400 naming the rule).',
  })
  @ApiCreatedResponse({ type: SchemeDto })
  @ApiProblems(400, 403, 404, 409, 503)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Body() body: CreateSchemeDto,
    @CurrentActor() actor: Actor,
  ): Promise<SchemeDto> {
    return SchemeDto.fromScheme(await this.schemes.create(membership, body, actor));
  }

  @Get(':schemeId')
  @ApiParam(SCHEME_ID)
  @ApiOperation({ summary: 'Get a classification scheme' })
  @ApiOkResponse({ type: SchemeDto })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('schemeId', schemeIdPipe) schemeId: string,
  ): Promise<SchemeDto> {
    return SchemeDto.fromScheme(await this.schemes.get(membership.workspaceId, schemeId));
  }

  @Patch(':schemeId')
  @ApiParam(SCHEME_ID)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Change a classification scheme',
    description:
      'Fields left out stay; labels and examples are replaced whole. When a classification job used the current ' +
      'version (versionFrozen), the change makes a new version and the used one stays for its results. The API key ' +
      'is kept unless replaced, removed (null) or the endpoint moves to another origin.',
  })
  @ApiOkResponse({ type: SchemeDto })
  @ApiProblems(400, 403, 409, 503)
  async update(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('schemeId', schemeIdPipe) schemeId: string,
    @Body() body: UpdateSchemeDto,
    @CurrentActor() actor: Actor,
  ): Promise<SchemeDto> {
    return SchemeDto.fromScheme(await this.schemes.update(membership, schemeId, body, actor));
  }

  @Delete(':schemeId')
  @ApiParam(SCHEME_ID)
  @HttpCode(204)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Delete a classification scheme with its versions and results',
    description: 'Refused (409 CLASSIFICATION_SCHEME_IN_USE) while one of its jobs is queued or running.',
  })
  @ApiNoContentResponse()
  @ApiProblems(403, 409)
  async remove(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('schemeId', schemeIdPipe) schemeId: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.schemes.remove(membership, schemeId, actor);
  }

  @Get(':schemeId/versions')
  @ApiParam(SCHEME_ID)
  @ApiOperation({ summary: 'List the frozen versions of a scheme (those classification jobs used), newest first' })
  @ApiPageResponse(SchemeVersionDto)
  @ApiProblems(400)
  async versions(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('schemeId', schemeIdPipe) schemeId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<SchemeVersionDto>> {
    const page = await this.schemes.versions(membership.workspaceId, schemeId, pageRequest(query));
    return mapPage(page, (v) => SchemeVersionDto.fromVersion(v));
  }

  @Get(':schemeId/versions/:version')
  @ApiParam(SCHEME_ID)
  @ApiParam({ name: 'version', type: Number, example: 1 })
  @ApiOperation({ summary: 'Get a frozen version of a scheme, as results made with it were classified' })
  @ApiOkResponse({ type: SchemeVersionDto })
  @ApiProblems(400)
  async version(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('schemeId', schemeIdPipe) schemeId: string,
    @Param('version', versionPipe) version: number,
  ): Promise<SchemeVersionDto> {
    return SchemeVersionDto.fromVersion(await this.schemes.version(membership.workspaceId, schemeId, version));
  }
}
