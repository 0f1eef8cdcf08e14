import { Body, Controller, Headers, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  Actor,
  BackfillUpload,
  InstrumentNotFoundError,
  TelemetryBackfillService,
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
import { JobDto, jobPath } from '../jobs/dto/job.dto';
import { BackfillQueryDto, BackfillReportDto, TelemetryEntryDto } from './dto/backfill.dto';

const instrumentIdPipe = new ResourceIdPipe((id) => new InstrumentNotFoundError(id));

const JSON_EXAMPLE = [
  { ts: '2026-01-05T08:00:00Z', values: { ph: 7.01, temperature: 21.4 }, tags: { probe: 'a' } },
  { ts: 1767600060000, values: { ph: 7.02 } },
];
const CSV_EXAMPLE =
  'time,metric,value,tags\n2026-01-05T08:00:00Z,ph,7.01,"{""probe"":""a""}"\n1767600060000,ph,7.02,\n';

/** Historical telemetry uploads: validated per row, stored by a background job. Editors only. */
@ApiTags('telemetry')
@ApiProblems(401, 404)
@WorkspaceScoped()
@RequireWorkspaceRole('editor')
@ApiParam({ name: 'instrumentId', type: String, format: 'uuid' })
@Controller('workspaces/:workspaceId/instruments/:instrumentId/telemetry')
export class TelemetryBackfillController {
  constructor(private readonly backfill: TelemetryBackfillService) {}

  @Post()
  @RouteBody({ csv: true, limitBytes: (config) => config.telemetry.backfillMaxBytes })
  @ApiOperation({
    summary: 'Backfill historical readings (JSON or CSV)',
    description:
      'JSON: the MQTT telemetry format, `{ts?, values, tags?}` or an array of them (`ts` epoch ms or ISO-8601 ' +
      'with a zone; without it, now). CSV (`text/csv`): the header `time,metric,value[,tags]`, tags a JSON object. ' +
      'Each row is checked: bad times, non-numbers, readings outside the storable window (at most 10 minutes ' +
      "ahead, within the workspace's retention), repeated metric and time, unknown fields or columns are reported " +
      'by row (CSV line number, the header being line 1; JSON array index) and the valid rows are stored by a ' +
      '`telemetry.backfill` job (202, follow `links.events` for progress). Storing is idempotent: a reading ' +
      'already stored (same instrument, metric and time) is kept as it is. `dryRun=true` answers the report ' +
      'only. Limits: TELEMETRY_BACKFILL_MAX_BYTES per body and TELEMETRY_BACKFILL_MAX_POINTS readings (413).',
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            oneOf: [
              { $ref: getSchemaPath(TelemetryEntryDto) },
              { type: 'array', items: { $ref: getSchemaPath(TelemetryEntryDto) } },
            ],
          },
          example: JSON_EXAMPLE,
        },
        'text/csv': { schema: { type: 'string' }, example: CSV_EXAMPLE },
      },
    },
  })
  @ApiExtraModels(BackfillReportDto, TelemetryEntryDto)
  @ApiAcceptedResponse({
    type: JobDto,
    description: 'The backfill job (queued); its Location is the job',
    headers: { Location: { description: 'The job', schema: { type: 'string' } } },
  })
  @ApiOkResponse({ type: BackfillReportDto, description: 'dryRun=true: the validation report; nothing stored' })
  @ApiProblems(400, 403, 413, 415, 503)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Query() query: BackfillQueryDto,
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobDto | BackfillReportDto> {
    const upload: BackfillUpload = /^text\/csv\b/i.test(contentType ?? '')
      ? { format: 'csv', text: String(body ?? '') }
      : { format: 'json', body };
    if (query.dryRun) {
      reply.status(200);
      return this.backfill.dryRun(membership, instrumentId, upload);
    }
    const job = await this.backfill.submit(membership, instrumentId, upload, actor);
    reply.status(202).header('location', jobPath(job.workspaceId, job.id));
    return JobDto.from(job);
  }
}
