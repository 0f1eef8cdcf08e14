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
import { BrokerUnavailableError } from '@labwire/providers';
import {
  Actor,
  INSTRUMENT_SORT_FIELDS,
  InstrumentNotFoundError,
  InstrumentService,
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
import { CreateInstrumentDto } from './dto/create-instrument.dto';
import { CreatedInstrumentDto } from './dto/created-instrument.dto';
import { InstrumentCredentialsDto } from './dto/instrument-credentials.dto';
import { InstrumentDto } from './dto/instrument.dto';
import { ListInstrumentsQueryDto } from './dto/list-instruments-query.dto';
import { UpdateInstrumentDto } from './dto/update-instrument.dto';
import { toInstrumentInput, toInstrumentPatch } from './instrument-input';

const instrumentIdPipe = new ResourceIdPipe((id) => new InstrumentNotFoundError(id));
const IF_MATCH = { name: 'If-Match', required: false, description: 'The ETag you read; 412 if it changed since' };

/** The instrument registry of a workspace; viewers read, editors write. */
@ApiTags('instruments')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/instruments')
export class InstrumentsController {
  constructor(private readonly instruments: InstrumentService) {}

  @Get()
  @ApiOperation({
    summary: 'List instruments',
    description:
      'Sort by name, serialNumber, status, createdAt, updatedAt, calibrationDueAt (prefix - for descending); ' +
      'filter by status, locationId, type, qualified (true|false) and calibrationDueBefore; q matches name, ' +
      'model or serial number.',
  })
  @ApiPageResponse(InstrumentDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() query: ListInstrumentsQueryDto,
  ): Promise<Page<InstrumentDto>> {
    const sort = parseSort(query.sort, INSTRUMENT_SORT_FIELDS, [{ field: 'name', direction: 'ASC' }]);
    const page = await this.instruments.list(
      membership.workspaceId,
      {
        status: query.status,
        locationId: query.locationId,
        type: query.type,
        q: query.q,
        qualified: query.qualified,
        calibrationDueBefore: query.calibrationDueBefore ? new Date(query.calibrationDueBefore) : undefined,
      },
      pageRequest(query),
      sort,
    );
    return mapPage(page, (i) => InstrumentDto.from(i));
  }

  @Post()
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Register an instrument',
    description:
      'Also creates its MQTT account: the answer carries mqttUsername and mqttSecret, shown this once. ' +
      'If the broker cannot be updated nothing is created (503 BROKER_UNAVAILABLE or 502 BROKER_REJECTED).',
  })
  @ApiCreatedResponse({ type: CreatedInstrumentDto, headers: ETAG_RESPONSE_HEADER })
  @ApiProblems(400, 403, 409, 502, 503)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Body() body: CreateInstrumentDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedInstrumentDto> {
    const { instrument, credentials } = await this.instruments.create(membership, toInstrumentInput(body), actor);
    // The api always has a broker (BrokerModule); only the CLI creates instruments without one.
    if (!credentials) throw new BrokerUnavailableError('no MQTT broker is configured in this process');
    reply.header('etag', versionETag(instrument.version));
    reply.header('cache-control', 'no-store');
    return CreatedInstrumentDto.withCredentials(instrument, credentials);
  }

  @Post(':instrumentId/credentials/rotate')
  @ApiParam({ name: 'instrumentId', type: String, format: 'uuid' })
  @HttpCode(200)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Issue a new MQTT secret for the instrument (the old one stops working at once)',
    description:
      'The secret is shown only in this answer. Open MQTT sessions of the instrument are closed. ' +
      'A retired instrument gets a secret too but stays locked out until it is back in service.',
  })
  @ApiOkResponse({ type: InstrumentCredentialsDto })
  @ApiProblems(403, 502, 503)
  async rotateCredentials(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InstrumentCredentialsDto> {
    const credentials = await this.instruments.rotateCredentials(membership, instrumentId, actor);
    reply.header('cache-control', 'no-store');
    return InstrumentCredentialsDto.from(credentials);
  }

  @Get(':instrumentId')
  @ApiParam({ name: 'instrumentId', type: String, format: 'uuid' })
  @ApiOperation({ summary: 'Get an instrument; the ETag header carries its version' })
  @ApiOkResponse({ type: InstrumentDto, headers: ETAG_RESPONSE_HEADER })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InstrumentDto> {
    const instrument = await this.instruments.get(membership.workspaceId, instrumentId);
    reply.header('etag', versionETag(instrument.version));
    return InstrumentDto.from(instrument);
  }

  @Patch(':instrumentId')
  @ApiParam({ name: 'instrumentId', type: String, format: 'uuid' })
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Update an instrument',
    description:
      'Send If-Match with the ETag you read: if someone changed the instrument since, nothing is applied and ' +
      'the answer is 412 VERSION_MISMATCH. Without If-Match the update is applied to the current version.',
  })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: InstrumentDto, headers: ETAG_RESPONSE_HEADER })
  @ApiProblems(400, 403, 409, 412, 502, 503)
  async update(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Body() body: UpdateInstrumentDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InstrumentDto> {
    const instrument = await this.instruments.update(
      membership,
      instrumentId,
      toInstrumentPatch(body),
      parseIfMatch(ifMatch),
      actor,
    );
    reply.header('etag', versionETag(instrument.version));
    return InstrumentDto.from(instrument);
  }

  @Delete(':instrumentId')
  @ApiParam({ name: 'instrumentId', type: String, format: 'uuid' })
  @HttpCode(204)
  @RequireWorkspaceRole('editor')
  @ApiOperation({ summary: 'Delete an instrument (If-Match honoured); its MQTT account is removed at once' })
  @ApiHeader(IF_MATCH)
  @ApiNoContentResponse()
  @ApiProblems(403, 412, 502, 503)
  async remove(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.instruments.remove(membership, instrumentId, parseIfMatch(ifMatch), actor);
  }
}
