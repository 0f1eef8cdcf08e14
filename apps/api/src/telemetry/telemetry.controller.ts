import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { InstrumentNotFoundError, TelemetryQueryService, WorkspaceMembership } from '@labwire/domain';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { AggregateTelemetryQueryDto, RawTelemetryQueryDto, TelemetryRangeQueryDto } from './dto/telemetry-query.dto';
import { aggregateQuery, range, rawQuery } from './telemetry-query.mapping';
import { sendCsvExport, toAggregate, toRawPage } from './telemetry-csv';
import { AggregateTelemetryDto, LatestValueDto, RawTelemetryPageDto } from './dto/telemetry-response.dto';

const instrumentIdPipe = new ResourceIdPipe((id) => new InstrumentNotFoundError(id));

/** An instrument's stored telemetry: raw points, bucketed aggregates, latest values. */
@ApiTags('telemetry')
@ApiProblems(401, 404)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@ApiParam({ name: 'instrumentId', type: String, format: 'uuid' })
@Controller('workspaces/:workspaceId/instruments/:instrumentId/telemetry')
export class TelemetryController {
  constructor(private readonly queries: TelemetryQueryService) {}

  @Get()
  @ApiOperation({
    summary: 'Raw readings in a time range',
    description: 'Ordered by time then metric; page with limit and the returned nextCursor.',
  })
  @ApiOkResponse({ type: RawTelemetryPageDto })
  @ApiProblems(400)
  async raw(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Query() q: RawTelemetryQueryDto,
  ): Promise<RawTelemetryPageDto> {
    return toRawPage(await this.queries.raw(membership.workspaceId, [instrumentId], rawQuery(q)));
  }

  @Get('aggregate')
  @ApiOperation({
    summary: 'Aggregates per time bucket and metric',
    description: 'avg, min, max, sum, count, first, last per bucket (aligned in tz); fill=null lists empty buckets.',
  })
  @ApiOkResponse({ type: AggregateTelemetryDto })
  @ApiProblems(400)
  async aggregate(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Query() q: AggregateTelemetryQueryDto,
  ): Promise<AggregateTelemetryDto> {
    return toAggregate(await this.queries.aggregate(membership.workspaceId, [instrumentId], aggregateQuery(q)));
  }

  @Get('latest')
  @ApiOperation({ summary: 'The latest value of each metric' })
  @ApiOkResponse({ type: [LatestValueDto] })
  async latest(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
  ): Promise<LatestValueDto[]> {
    const values = await this.queries.latest(membership.workspaceId, instrumentId);
    return values.map((v) => ({ metric: v.metric, time: v.time.toISOString(), value: v.value, tags: v.tags }));
  }

  @Get('export')
  @ApiOperation({
    summary: 'Every raw reading of a time range as CSV (streamed)',
    description: 'Columns time,instrument_id,metric,value,tags; ordered by time. Streams any number of rows.',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV', schema: { type: 'string' } })
  @ApiProblems(400)
  async export(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Query() q: TelemetryRangeQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const pages = this.queries.export(membership.workspaceId, [instrumentId], { ...range(q), metrics: q.metrics });
    await sendCsvExport(reply, pages, `telemetry-${instrumentId}`);
  }
}
