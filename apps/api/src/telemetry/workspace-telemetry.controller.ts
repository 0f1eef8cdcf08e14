import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { TelemetryQueryService, WorkspaceMembership } from '@labwire/domain';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import {
  InstrumentIdsQueryDto,
  WorkspaceAggregateTelemetryQueryDto,
  WorkspaceRawTelemetryQueryDto,
  WorkspaceTelemetryRangeQueryDto,
} from './dto/telemetry-query.dto';
import { AggregateTelemetryDto, InstrumentLatestValueDto, RawTelemetryPageDto } from './dto/telemetry-response.dto';
import { sendCsvExport, toAggregate, toRawPage } from './telemetry-csv';
import { aggregateQuery, range, rawQuery } from './telemetry-query.mapping';

const ids = (q: InstrumentIdsQueryDto) => [...new Set(q.instrumentIds.map((id) => id.toLowerCase()))];

/** Telemetry of several instruments of a workspace in one read (every instrument must be the workspace's). */
@ApiTags('telemetry')
@ApiProblems(401, 404)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/telemetry')
export class WorkspaceTelemetryController {
  constructor(private readonly queries: TelemetryQueryService) {}

  @Get()
  @ApiOperation({
    summary: 'Raw readings of several instruments',
    description: 'Ordered by time, instrument, metric; page with limit and the returned nextCursor.',
  })
  @ApiOkResponse({ type: RawTelemetryPageDto })
  @ApiProblems(400)
  async raw(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() q: WorkspaceRawTelemetryQueryDto,
  ): Promise<RawTelemetryPageDto> {
    return toRawPage(await this.queries.raw(membership.workspaceId, ids(q), rawQuery(q)));
  }

  @Get('aggregate')
  @ApiOperation({
    summary: 'Aggregates per time bucket, instrument and metric',
    description: 'As the instrument-level aggregate; maxPoints counts bucket × instrument × metric rows.',
  })
  @ApiOkResponse({ type: AggregateTelemetryDto })
  @ApiProblems(400)
  async aggregate(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() q: WorkspaceAggregateTelemetryQueryDto,
  ): Promise<AggregateTelemetryDto> {
    return toAggregate(await this.queries.aggregate(membership.workspaceId, ids(q), aggregateQuery(q)));
  }

  @Get('latest')
  @ApiOperation({ summary: 'The latest value of each metric of several instruments' })
  @ApiOkResponse({ type: [InstrumentLatestValueDto] })
  @ApiProblems(400)
  async latest(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() q: InstrumentIdsQueryDto,
  ): Promise<InstrumentLatestValueDto[]> {
    const values = await this.queries.latestOf(membership.workspaceId, ids(q));
    return values.map((v) => ({
      instrumentId: v.instrumentId,
      metric: v.metric,
      time: new Date(v.time).toISOString(),
      value: v.value,
      tags: v.tags,
    }));
  }

  @Get('export')
  @ApiOperation({
    summary: 'Every raw reading of several instruments as CSV (streamed)',
    description: 'Columns time,instrument_id,metric,value,tags; ordered by time. Streams any number of rows.',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV', schema: { type: 'string' } })
  @ApiProblems(400)
  async export(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() q: WorkspaceTelemetryRangeQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const pages = this.queries.export(membership.workspaceId, ids(q), { ...range(q), metrics: q.metrics });
    await sendCsvExport(reply, pages, 'telemetry');
  }
}
