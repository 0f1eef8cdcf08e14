import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { csvRow } from '@labwire/core';
import { ExperimentDataService, ExperimentReading, WorkspaceMembership } from '@labwire/domain';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { AggregateTelemetryDto, RawTelemetryPageDto } from '../telemetry/dto/telemetry-response.dto';
import { toAggregate, toRawPage } from '../telemetry/telemetry-csv';
import { aggregateQuery, rawQuery } from '../telemetry/telemetry-query.mapping';
import { ExperimentSummaryDto } from './dto/experiment.dto';
import {
  ExperimentAggregateTelemetryQueryDto,
  ExperimentExportQueryDto,
  ExperimentRawTelemetryQueryDto,
} from './dto/experiment-telemetry-query.dto';
import { EXPERIMENT_ID, experimentIdPipe } from './experiments.controller';

const CSV_HEADER = 'time,role,instrument_id,step,step_name,metric,value\n';

function csvLines(readings: ExperimentReading[]): string {
  let out = '';
  for (const r of readings) {
    out += csvRow([r.time.toISOString(), r.role, r.instrumentId, r.step, r.stepName, r.metric, r.value], '\n');
  }
  return out;
}

const narrow = (q: { from?: string; to?: string; step?: number }) => ({
  step: q.step,
  from: q.from ? new Date(q.from) : undefined,
  to: q.to ? new Date(q.to) : undefined,
});

/** An experiment's data: its instruments' telemetry during the run (or one step), summary, CSV export. */
@ApiTags('experiments')
@ApiProblems(401, 404)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/experiments/:experimentId')
export class ExperimentDataController {
  constructor(private readonly data: ExperimentDataService) {}

  @Get('telemetry')
  @ApiParam(EXPERIMENT_ID)
  @ApiOperation({
    summary: "Raw readings of the experiment's instruments during its run",
    description: 'The telemetry query, limited to the assigned instruments and the run (or `step`) window.',
  })
  @ApiOkResponse({ type: RawTelemetryPageDto })
  @ApiProblems(400, 409)
  async telemetry(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('experimentId', experimentIdPipe) id: string,
    @Query() q: ExperimentRawTelemetryQueryDto,
  ): Promise<RawTelemetryPageDto> {
    const scope = await this.data.scope(membership.workspaceId, id, narrow(q));
    const { from: _f, to: _t, ...rest } = rawQuery(q);
    return toRawPage(await this.data.raw(scope, rest));
  }

  @Get('telemetry/aggregate')
  @ApiParam(EXPERIMENT_ID)
  @ApiOperation({
    summary: "Aggregates of the experiment's telemetry per time bucket, instrument and metric",
    description: 'As the telemetry aggregate, limited to the assigned instruments and the run (or `step`) window.',
  })
  @ApiOkResponse({ type: AggregateTelemetryDto })
  @ApiProblems(400, 409)
  async aggregate(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('experimentId', experimentIdPipe) id: string,
    @Query() q: ExperimentAggregateTelemetryQueryDto,
  ): Promise<AggregateTelemetryDto> {
    const scope = await this.data.scope(membership.workspaceId, id, narrow(q));
    const { from: _f, to: _t, ...rest } = aggregateQuery(q);
    return toAggregate(await this.data.aggregate(scope, rest));
  }

  @Get('summary')
  @ApiParam(EXPERIMENT_ID)
  @ApiOperation({
    summary: 'Per role and metric: count, min, max, mean, first, last, overall and per record step; step durations',
  })
  @ApiOkResponse({ type: ExperimentSummaryDto })
  @ApiProblems(409)
  async summary(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('experimentId', experimentIdPipe) id: string,
  ): Promise<ExperimentSummaryDto> {
    const s = await this.data.summary(membership.workspaceId, id);
    const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
    return {
      ...s,
      from: s.from.toISOString(),
      to: s.to.toISOString(),
      steps: s.steps.map((x) => ({ ...x, startedAt: iso(x.startedAt), endedAt: iso(x.endedAt) })),
      records: s.records.map((r) => ({ ...r, from: r.from.toISOString(), to: r.to.toISOString() })),
    };
  }

  @Get('export')
  @ApiParam(EXPERIMENT_ID)
  @ApiOperation({
    summary: "The experiment's readings as CSV (streamed)",
    description: 'Columns time,role,instrument_id,step,step_name,metric,value; ordered by time. Any number of rows.',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV', schema: { type: 'string' } })
  @ApiProblems(400, 409)
  async export(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('experimentId', experimentIdPipe) id: string,
    @Query() q: ExperimentExportQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const pages = await this.data.export(membership.workspaceId, id, { ...narrow(q), metrics: q.metrics });
    // the experiment was checked above; the first page is read before anything is sent
    const first = await pages.next();
    async function* body(): AsyncGenerator<string> {
      yield CSV_HEADER;
      if (first.done) return;
      yield csvLines(first.value);
      for await (const page of pages) yield csvLines(page);
    }
    await reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="experiment-${id}.csv"`)
      .send(Readable.from(body()));
  }
}
