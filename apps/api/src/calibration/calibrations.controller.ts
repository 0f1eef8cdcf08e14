import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mapPage, Page, parseSort } from '@labwire/core';
import {
  Actor,
  CALIBRATION_SORT_FIELDS,
  CalibrationNotFoundError,
  CalibrationRecord,
  CalibrationService,
  InstrumentNotFoundError,
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
import { validated } from '../ingestion/multipart-upload';
import { readCalibrationUpload, toCalibrationInput } from './calibration-upload';
import { certificateHeaders } from './certificate-headers';
import { CalibrationDto, calibrationPath } from './dto/calibration.dto';
import { CreateCalibrationDto } from './dto/create-calibration.dto';
import { ListCalibrationsQueryDto } from './dto/list-calibrations-query.dto';

const instrumentIdPipe = new ResourceIdPipe((id) => new InstrumentNotFoundError(id));
const calibrationIdPipe = new ResourceIdPipe((id) => new CalibrationNotFoundError(id));
const INSTRUMENT_ID = { name: 'instrumentId', type: String, format: 'uuid' } as const;
const CALIBRATION_ID = { name: 'calibrationId', type: String, format: 'uuid' } as const;

/**
 * Calibration records of an instrument; viewers read, editors add. Records are evidence and are never
 * changed or deleted: a newer record supersedes a wrong one.
 */
@ApiTags('calibrations')
@ApiProblems(401, 404)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/instruments/:instrumentId/calibrations')
export class CalibrationsController {
  constructor(private readonly calibrations: CalibrationService) {}

  @Post()
  @ApiParam(INSTRUMENT_ID)
  @RequireWorkspaceRole('editor')
  @RouteBody({ multipart: true })
  @ApiOperation({
    summary: 'Record a calibration, with its certificate',
    description:
      '`application/json` (no certificate) or `multipart/form-data`: the fields first, then the certificate as the ' +
      'file part `certificate` (any type, at most DATASOURCE_MAX_BYTES, else 413), streamed into storage. If the ' +
      "record is the instrument's latest (by performedAt) it sets the instrument's lastCalibratedAt, " +
      'calibrationDueAt (= nextDueAt) and lastCalibrationResult, which decide whether it is qualified.',
    requestBody: {
      required: true,
      content: {
        'application/json': { schema: { $ref: getSchemaPath(CreateCalibrationDto) } },
        'multipart/form-data': {
          schema: {
            allOf: [
              { $ref: getSchemaPath(CreateCalibrationDto) },
              {
                type: 'object',
                properties: { certificate: { type: 'string', format: 'binary', description: 'The last part' } },
              },
            ],
          },
        },
      },
    },
  })
  @ApiExtraModels(CreateCalibrationDto)
  @ApiCreatedResponse({ type: CalibrationDto })
  @ApiProblems(400, 403, 413)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Req() request: FastifyRequest,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CalibrationDto> {
    let record: CalibrationRecord;
    if (request.isMultipart()) {
      record = await readCalibrationUpload(request, (input, certificate) =>
        this.calibrations.create(membership, instrumentId, input, actor, certificate),
      );
    } else {
      const dto = await validated(CreateCalibrationDto, body ?? {});
      record = await this.calibrations.create(membership, instrumentId, toCalibrationInput(dto), actor);
    }
    reply.header('location', calibrationPath(record.workspaceId, record.instrumentId, record.id));
    return CalibrationDto.from(record);
  }

  @Get()
  @ApiParam(INSTRUMENT_ID)
  @ApiOperation({
    summary: "List an instrument's calibration records, latest first",
    description: 'Filter by result; sort by performedAt, createdAt, nextDueAt (default -performedAt).',
  })
  @ApiPageResponse(CalibrationDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Query() query: ListCalibrationsQueryDto,
  ): Promise<Page<CalibrationDto>> {
    const sort = parseSort(query.sort, CALIBRATION_SORT_FIELDS, [{ field: 'performedAt', direction: 'DESC' }]);
    const page = await this.calibrations.list(
      membership.workspaceId,
      instrumentId,
      { result: query.result },
      pageRequest(query),
      sort,
    );
    return mapPage(page, (r) => CalibrationDto.from(r));
  }

  @Get(':calibrationId')
  @ApiParam(INSTRUMENT_ID)
  @ApiParam(CALIBRATION_ID)
  @ApiOperation({ summary: 'Get a calibration record' })
  @ApiOkResponse({ type: CalibrationDto })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Param('calibrationId', calibrationIdPipe) calibrationId: string,
  ): Promise<CalibrationDto> {
    return CalibrationDto.from(await this.calibrations.get(membership.workspaceId, instrumentId, calibrationId));
  }

  @Get(':calibrationId/certificate')
  @ApiParam(INSTRUMENT_ID)
  @ApiParam(CALIBRATION_ID)
  @ApiOperation({
    summary: 'Download the certificate of a calibration record (the bytes as uploaded)',
    description:
      'Sent as an attachment; PDF and images keep their media type, anything else is application/octet-stream. ' +
      'The ETag is the SHA-256 of the bytes. 404 CALIBRATION_CERTIFICATE_NOT_FOUND when the record has none.',
  })
  @ApiProduces('application/pdf', 'application/octet-stream')
  @ApiOkResponse({ description: 'The certificate', schema: { type: 'string', format: 'binary' } })
  async downloadCertificate(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Param('calibrationId', calibrationIdPipe) calibrationId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { certificate, stream } = await this.calibrations.certificate(
      membership.workspaceId,
      instrumentId,
      calibrationId,
    );
    for (const [name, value] of Object.entries(certificateHeaders(certificate))) reply.header(name, value);
    await reply.send(stream);
  }
}
