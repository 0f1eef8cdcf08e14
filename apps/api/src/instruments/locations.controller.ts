import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { mapPage, Page, parseSort } from '@labwire/core';
import {
  Actor,
  LOCATION_SORT_FIELDS,
  LocationNotFoundError,
  LocationService,
  WorkspaceMembership,
} from '@labwire/domain';
import { pageRequest } from '../common/dto/page-query.dto';
import { ApiPageResponse } from '../common/dto/page.dto';
import { ETAG_RESPONSE_HEADER, parseIfMatch, versionETag } from '../common/http/etag';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { CurrentActor } from '../common/workspaces/current-actor.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { CreateLocationDto } from './dto/create-location.dto';
import { ListLocationsQueryDto } from './dto/list-locations-query.dto';
import { LocationDto } from './dto/location.dto';
import { UpdateLocationDto } from './dto/update-location.dto';

const locationIdPipe = new ResourceIdPipe((id) => new LocationNotFoundError(id));

/** Locations (sites, rooms, benches) of a workspace; viewers read, editors write. */
@ApiTags('locations')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/locations')
export class LocationsController {
  constructor(private readonly locations: LocationService) {}

  @Get()
  @ApiOperation({ summary: 'List locations (sort: name, createdAt, updatedAt; filter q)' })
  @ApiPageResponse(LocationDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() query: ListLocationsQueryDto,
  ): Promise<Page<LocationDto>> {
    const sort = parseSort(query.sort, LOCATION_SORT_FIELDS, [{ field: 'name', direction: 'ASC' }]);
    const page = await this.locations.list(membership.workspaceId, { q: query.q }, pageRequest(query), sort);
    return mapPage(page, (l) => LocationDto.from(l));
  }

  @Post()
  @RequireWorkspaceRole('editor')
  @ApiOperation({ summary: 'Create a location' })
  @ApiCreatedResponse({ type: LocationDto, headers: ETAG_RESPONSE_HEADER })
  @ApiProblems(400, 403, 409)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Body() body: CreateLocationDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LocationDto> {
    const location = await this.locations.create(membership, body, actor);
    reply.header('etag', versionETag(location.version));
    return LocationDto.from(location);
  }

  @Get(':locationId')
  @ApiParam({ name: 'locationId', type: String, format: 'uuid' })
  @ApiOperation({ summary: 'Get a location' })
  @ApiOkResponse({ type: LocationDto, headers: ETAG_RESPONSE_HEADER })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('locationId', locationIdPipe) locationId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LocationDto> {
    const location = await this.locations.get(membership.workspaceId, locationId);
    reply.header('etag', versionETag(location.version));
    return LocationDto.from(location);
  }

  @Patch(':locationId')
  @ApiParam({ name: 'locationId', type: String, format: 'uuid' })
  @RequireWorkspaceRole('editor')
  @ApiOperation({ summary: 'Update a location; send If-Match with its ETag to refuse stale writes' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag you read; 412 if it changed since' })
  @ApiOkResponse({ type: LocationDto, headers: ETAG_RESPONSE_HEADER })
  @ApiProblems(400, 403, 409, 412)
  async update(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('locationId', locationIdPipe) locationId: string,
    @Body() body: UpdateLocationDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LocationDto> {
    const location = await this.locations.update(membership, locationId, body, parseIfMatch(ifMatch), actor);
    reply.header('etag', versionETag(location.version));
    return LocationDto.from(location);
  }

  @Delete(':locationId')
  @ApiParam({ name: 'locationId', type: String, format: 'uuid' })
  @HttpCode(204)
  @RequireWorkspaceRole('editor')
  @ApiOperation({ summary: 'Delete a location; refused (409 LOCATION_NOT_EMPTY) while it holds instruments' })
  @ApiNoContentResponse()
  @ApiProblems(403, 409)
  async remove(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('locationId', locationIdPipe) locationId: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.locations.remove(membership, locationId, actor);
  }
}
