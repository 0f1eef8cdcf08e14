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
  PROTOCOL_SORT_FIELDS,
  ProtocolInput,
  ProtocolNotFoundError,
  ProtocolService,
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
import { ListProtocolsQueryDto } from './dto/list-experiments-query.dto';
import { CreateProtocolDto, UpdateProtocolDto } from './dto/protocol-input.dto';
import { ProtocolDto, ProtocolVersionDto } from './dto/protocol.dto';

const protocolIdPipe = new ResourceIdPipe((id) => new ProtocolNotFoundError(id));
const PROTOCOL_ID = { name: 'protocolId', type: String, format: 'uuid' } as const;
const versionPipe = new ParseIntPipe({
  exceptionFactory: () =>
    new ValidationError('version must be a whole number', [{ field: 'version', message: 'must be a whole number' }]),
});

/** Protocols of a workspace: roles, parameters, steps, versions. */
@ApiTags('experiments')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/protocols')
export class ProtocolsController {
  constructor(private readonly protocols: ProtocolService) {}

  @Get()
  @ApiOperation({ summary: 'List protocols (sort: name, createdAt, updatedAt; filter q)' })
  @ApiPageResponse(ProtocolDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() query: ListProtocolsQueryDto,
  ): Promise<Page<ProtocolDto>> {
    const sort = parseSort(query.sort, PROTOCOL_SORT_FIELDS, [{ field: 'name', direction: 'ASC' }]);
    const page = await this.protocols.list(membership.workspaceId, { q: query.q }, pageRequest(query), sort);
    return mapPage(page, (p) => ProtocolDto.fromProtocol(p));
  }

  @Post()
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Create a protocol',
    description:
      'Roles, typed parameters and ordered steps, validated in full: unknown roles or parameters, bad defaults ' +
      'and durations out of bounds are 400 with one field error each (`steps[2].role`).',
  })
  @ApiCreatedResponse({ type: ProtocolDto })
  @ApiProblems(400, 403, 409)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Body() body: CreateProtocolDto,
    @CurrentActor() actor: Actor,
  ): Promise<ProtocolDto> {
    return ProtocolDto.fromProtocol(await this.protocols.create(membership, body as unknown as ProtocolInput, actor));
  }

  @Get(':protocolId')
  @ApiParam(PROTOCOL_ID)
  @ApiOperation({ summary: 'Get a protocol' })
  @ApiOkResponse({ type: ProtocolDto })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('protocolId', protocolIdPipe) protocolId: string,
  ): Promise<ProtocolDto> {
    return ProtocolDto.fromProtocol(await this.protocols.get(membership.workspaceId, protocolId));
  }

  @Patch(':protocolId')
  @ApiParam(PROTOCOL_ID)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Change a protocol',
    description:
      'Fields left out stay; roles, parameters and steps are replaced whole. When an experiment uses the current ' +
      'version (versionFrozen), the change makes a new version; experiments keep theirs.',
  })
  @ApiOkResponse({ type: ProtocolDto })
  @ApiProblems(400, 403, 409)
  async update(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('protocolId', protocolIdPipe) protocolId: string,
    @Body() body: UpdateProtocolDto,
    @CurrentActor() actor: Actor,
  ): Promise<ProtocolDto> {
    return ProtocolDto.fromProtocol(
      await this.protocols.update(membership, protocolId, body as unknown as Partial<ProtocolInput>, actor),
    );
  }

  @Delete(':protocolId')
  @ApiParam(PROTOCOL_ID)
  @HttpCode(204)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Delete a protocol no experiment uses',
    description: 'Refused (409 PROTOCOL_IN_USE) once an experiment uses it.',
  })
  @ApiNoContentResponse()
  @ApiProblems(403, 409)
  async remove(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('protocolId', protocolIdPipe) protocolId: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.protocols.remove(membership, protocolId, actor);
  }

  @Get(':protocolId/versions')
  @ApiParam(PROTOCOL_ID)
  @ApiOperation({ summary: 'List the frozen versions of a protocol, newest first' })
  @ApiPageResponse(ProtocolVersionDto)
  @ApiProblems(400)
  async versions(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('protocolId', protocolIdPipe) protocolId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<ProtocolVersionDto>> {
    const page = await this.protocols.versions(membership.workspaceId, protocolId, pageRequest(query));
    return mapPage(page, (v) => ProtocolVersionDto.fromVersion(v));
  }

  @Get(':protocolId/versions/:version')
  @ApiParam(PROTOCOL_ID)
  @ApiParam({ name: 'version', type: Number, example: 1 })
  @ApiOperation({ summary: 'Get a frozen version of a protocol' })
  @ApiOkResponse({ type: ProtocolVersionDto })
  @ApiProblems(400)
  async version(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('protocolId', protocolIdPipe) protocolId: string,
    @Param('version', versionPipe) version: number,
  ): Promise<ProtocolVersionDto> {
    return ProtocolVersionDto.fromVersion(await this.protocols.version(membership.workspaceId, protocolId, version));
  }
}
