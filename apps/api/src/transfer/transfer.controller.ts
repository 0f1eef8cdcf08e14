import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { ValidationError } from '@labwire/core';
import {
  Actor,
  ExportService,
  ImportService,
  JobNotFoundError,
  ShareLinkService,
  WorkspaceMembership,
} from '@labwire/domain';
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
import { JobDto, jobPath } from '../jobs/dto/job.dto';
import { CreateExportDto } from './dto/create-export.dto';
import { ImportFromShareLinkDto } from './dto/import-body.dto';
import { ImportQueryDto } from './dto/import-query.dto';

const jobIdPipe = new ResourceIdPipe((id) => new JobNotFoundError(id));
const JOB_ID = { name: 'jobId', type: String, format: 'uuid', description: 'The export job' } as const;

/** Workspace export (a job writing a gzip NDJSON document) and import (a job reading one). */
@ApiTags('transfer')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId')
export class TransferController {
  constructor(
    private readonly exports: ExportService,
    private readonly imports: ImportService,
    private readonly shareLinks: ShareLinkService,
  ) {}

  @Post('export')
  @HttpCode(202)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Export the workspace (a job)',
    description:
      'The job writes a gzip NDJSON document: a header line {"format": "labwire.export", "version": 1, …}, then ' +
      'one {type, data} line per entity. Secrets (MQTT secrets, provider API keys) are never in it. Download it ' +
      'at …/export/{jobId}/download once the job succeeded.',
  })
  @ApiAcceptedResponse({ type: JobDto, headers: { Location: { description: 'The job', schema: { type: 'string' } } } })
  @ApiProblems(400, 403, 503)
  async export(
    @CurrentMembership() membership: WorkspaceMembership,
    @Body() body: CreateExportDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobDto> {
    const include = body.include;
    if (include.includes('telemetry') !== Boolean(body.telemetry)) {
      throw new ValidationError('include telemetry and a telemetry window go together', [
        {
          field: 'telemetry',
          message: include.includes('telemetry') ? 'is required with include telemetry' : 'needs include telemetry',
        },
      ]);
    }
    const window = body.telemetry && {
      from: new Date(body.telemetry.from),
      to: new Date(body.telemetry.to),
      instrumentIds: body.telemetry.instrumentIds,
    };
    if (window && !(window.from < window.to)) {
      throw new ValidationError('The telemetry window is empty', [
        { field: 'telemetry.to', message: 'must be after from' },
      ]);
    }
    const job = await this.exports.start(membership, { include, telemetry: window }, actor);
    reply.header('location', jobPath(job.workspaceId, job.id));
    return JobDto.from(job);
  }

  @Get('export/:jobId/download')
  @ApiParam(JOB_ID)
  @ApiOperation({
    summary: "Download an export's document (gzip NDJSON)",
    description: '409 EXPORT_NOT_READY until the export job succeeded.',
  })
  @ApiProduces('application/gzip')
  @ApiOkResponse({ description: 'The document', schema: { type: 'string', format: 'binary' } })
  @ApiProblems(409)
  async download(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('jobId', jobIdPipe) jobId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { stream } = await this.exports.download(membership.workspaceId, jobId);
    await reply
      .header('content-type', 'application/gzip')
      .header('content-disposition', `attachment; filename="labwire-export-${jobId}.ndjson.gz"`)
      .send(stream);
  }

  @Post('import')
  @HttpCode(202)
  @RequireWorkspaceRole('editor')
  @RouteBody({ multipart: true })
  @ApiOperation({
    summary: 'Import an export document (a job)',
    description:
      '`multipart/form-data` with the document as the `file` part (gzip or plain NDJSON, at most IMPORT_MAX_BYTES), ' +
      'or `application/json` `{shareToken}` of a share link with permission import. The job validates the whole ' +
      'document first (with dryRun=true that is all it does: its result is the report of counts, conflicts and ' +
      'errors by line), then writes in batches with new ids. The same document imported again adds nothing. ' +
      'A document that is not a Labwire export is 422 IMPORT_DOCUMENT_INVALID, a newer version 422 ' +
      'IMPORT_VERSION_UNSUPPORTED. Imported instruments have no MQTT credentials until rotated (the result lists them ' +
      'in instrumentsWithoutCredentials); imported webhook channels get a new secret nobody has seen and are disabled ' +
      'until it is rotated (webhooksToRotate); imported schedules are paused and run as the importing user ' +
      '(schedulesPaused); imported alert rules start idle.',
    requestBody: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['file'],
            properties: { file: { type: 'string', format: 'binary', description: 'The export document' } },
          },
        },
        'application/json': { schema: { $ref: getSchemaPath(ImportFromShareLinkDto) } },
      },
    },
  })
  @ApiExtraModels(ImportFromShareLinkDto)
  @ApiAcceptedResponse({ type: JobDto, headers: { Location: { description: 'The job', schema: { type: 'string' } } } })
  @ApiProblems(400, 403, 413, 422, 503)
  async import(
    @CurrentMembership() membership: WorkspaceMembership,
    @Req() request: FastifyRequest,
    @Query() query: ImportQueryDto,
    @Body() body: unknown,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobDto> {
    const options = { onConflict: query.onConflict ?? 'fail', dryRun: query.dryRun ?? false } as const;
    let job;
    if (request.isMultipart()) {
      job = await this.readDocument(request, (stream, filename) =>
        this.imports.fromUpload(membership, { stream, filename }, options, actor),
      );
    } else {
      const dto = await validated(ImportFromShareLinkDto, body ?? {});
      // the route's role check (editor) ran before the link is used and counted
      const grant = await this.shareLinks.use(dto.shareToken, {
        permission: 'import',
        requestId: actor.requestId ?? undefined,
      });
      job = await this.imports.fromShareLink(membership, { id: grant.link.id, scope: grant.scope }, options, actor);
    }
    reply.header('location', jobPath(job.workspaceId, job.id));
    return JobDto.from(job);
  }

  private async readDocument<R>(
    request: FastifyRequest,
    consume: (stream: Readable, filename: string) => Promise<R>,
  ): Promise<R> {
    for await (const part of request.parts({ limits: { fileSize: Number.MAX_SAFE_INTEGER, files: 1 } })) {
      if (part.type === 'field') continue;
      if (part.fieldname !== 'file') {
        throw new ValidationError(`The file part must be named "file", not "${part.fieldname}"`, [
          { field: part.fieldname, message: 'unexpected file part' },
        ]);
      }
      return consume(part.file, part.filename);
    }
    throw new ValidationError('The upload has no file: send it as the form part named "file"', [
      { field: 'file', message: 'missing' },
    ]);
  }
}
