import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { InstrumentNotFoundError, TelemetryQueryService, WorkspaceMembership } from '@labwire/domain';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { AggregateTelemetryQueryDto, RawTelemetryQueryDto, TelemetryRangeQueryDto } from './dto/telemetry-query.dto';
import { AggregateTelemetryDto, LatestValueDto, RawTelemetryPageDto } from './dto/telemetry-response.dto';

const instrumentIdPipe = new ResourceIdPipe((id) => new InstrumentNotFoundError(id));
const DAY_MS = 86_400_000;

function range(q: TelemetryRangeQueryDto): { from: Date; to: Date } {
  const to = q.to ? new Date(q.to) : new Date();
  return { from: q.from ? new Date(q.from) : new Date(to.getTime() - DAY_MS), to };
}

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
    const page = await this.queries.raw(membership.workspaceId, instrumentId, {
      ...range(q),
      metrics: q.metrics,
      order: q.order ?? 'asc',
      limit: q.limit ?? 1000,
      cursor: q.cursor,
    });
    return {
      items: page.items.map((p) => ({ time: p.time.toISOString(), metric: p.metric, value: p.value, tags: p.tags })),
      nextCursor: page.nextCursor,
    };
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
    const result = await this.queries.aggregate(membership.workspaceId, instrumentId, {
      ...range(q),
      bucket: q.bucket ?? '1h',
      functions: q.fn?.length ? q.fn : ['avg'],
      metrics: q.metrics,
      timeZone: q.tz ?? 'UTC',
      fill: q.fill ?? 'none',
      maxPoints: q.maxPoints ?? 10000,
    });
    return {
      items: result.items.map((p) => ({ bucket: p.bucket.toISOString(), metric: p.metric, values: p.values })),
      truncated: result.truncated,
    };
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
}
