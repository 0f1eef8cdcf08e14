import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { csvRow, mapPage, Page, parseSort } from '@labwire/core';
import {
  Actor,
  ClassificationJobService,
  ClassificationResult,
  JOB_SORT_FIELDS,
  JobNotFoundError,
  RecordFilter,
  RESULT_SORT_FIELDS,
  WorkspaceMembership,
} from '@labwire/domain';
import { pageRequest } from '../common/dto/page-query.dto';
import { ApiPageResponse } from '../common/dto/page.dto';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { CurrentActor } from '../common/workspaces/current-actor.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { JobDto, jobPath, JobSummaryDto } from '../jobs/dto/job.dto';
import {
  ClassificationResultDto,
  CreateClassificationJobDto,
  LabelCountsDto,
  LabelCountsQueryDto,
  ListClassificationJobsQueryDto,
  ListResultsQueryDto,
  RecordSelectionFilterDto,
  ResultFilterQueryDto,
} from './dto/classification-job.dto';

const jobIdPipe = new ResourceIdPipe((id) => new JobNotFoundError(id));
const JOB_ID = { name: 'jobId', type: String, format: 'uuid' } as const;
const CSV_COLUMNS = [
  'recordId',
  'datasourceId',
  'position',
  'labels',
  'confidence',
  'schemeVersion',
  'explanation',
  'text',
];

/** Labels and record text are users' text: csvRow neutralises formula-like cells. */
function csvLines(results: ClassificationResult[]): string {
  let out = '';
  for (const r of results) {
    out += csvRow([
      r.recordId,
      r.datasourceId,
      r.position,
      r.labels.map((l) => l.label).join(';'),
      r.confidence,
      r.schemeVersion,
      JSON.stringify(r.explanation),
      r.text,
    ]);
  }
  return out;
}

function recordFilter(f: RecordSelectionFilterDto): RecordFilter {
  return {
    ...(f.datasourceId && { datasourceId: f.datasourceId }),
    ...(f.q && { q: f.q }),
    ...(f.metadataKey !== undefined &&
      f.metadataValue !== undefined && { metadata: { key: f.metadataKey, value: f.metadataValue } }),
  };
}

/**
 * Classification jobs of a workspace and their results. A job is a Jobs-API job of kind
 * `classification.run`: follow, cancel and retry it under …/jobs/{jobId}.
 */
@ApiTags('classification')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/classification-jobs')
export class ClassificationJobsController {
  constructor(private readonly classification: ClassificationJobService) {}

  @Post()
  @HttpCode(202)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Classify records with a scheme (a background job)',
    description:
      "Give datasourceIds or filter ({} selects every record of the workspace). The job runs with the scheme's " +
      'current version, which is frozen from now on (a later edit makes a new version). Answers the job (202); ' +
      'its progress streams at links.events, cancel and retry are under …/jobs/{jobId}. Data sources still being ' +
      'ingested answer 409 DATASOURCE_BUSY.',
  })
  @ApiAcceptedResponse({ type: JobDto, headers: { Location: { description: 'The job', schema: { type: 'string' } } } })
  @ApiProblems(400, 403, 404, 409, 503)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Body() body: CreateClassificationJobDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobDto> {
    const job = await this.classification.create(
      membership,
      {
        schemeId: body.schemeId.toLowerCase(),
        datasourceIds: body.datasourceIds,
        filter: body.filter && recordFilter(body.filter),
      },
      actor,
    );
    reply.header('location', jobPath(job.workspaceId, job.id));
    return JobDto.from(job);
  }

  @Get()
  @ApiOperation({ summary: 'List classification jobs, newest first (filter status)' })
  @ApiPageResponse(JobSummaryDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() query: ListClassificationJobsQueryDto,
  ): Promise<Page<JobSummaryDto>> {
    const sort = parseSort(query.sort, JOB_SORT_FIELDS, [{ field: 'createdAt', direction: 'DESC' }]);
    const page = await this.classification.list(
      membership.workspaceId,
      { status: query.status },
      pageRequest(query),
      sort,
    );
    return mapPage(page, (j) => JobSummaryDto.from(j));
  }

  @Get(':jobId')
  @ApiParam(JOB_ID)
  @ApiOperation({ summary: 'Get a classification job (as …/jobs/{jobId})' })
  @ApiOkResponse({ type: JobDto })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('jobId', jobIdPipe) jobId: string,
  ): Promise<JobDto> {
    return JobDto.from(await this.classification.get(membership.workspaceId, jobId));
  }

  @Get(':jobId/results')
  @ApiParam(JOB_ID)
  @ApiOperation({
    summary: "List a job's results (filter label, minConfidence; sort position, confidence)",
    description:
      "The results of the job's scheme version for the job's records (one per record; an earlier job of the same " +
      'version may have written some).',
  })
  @ApiPageResponse(ClassificationResultDto)
  @ApiProblems(400)
  async results(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('jobId', jobIdPipe) jobId: string,
    @Query() query: ListResultsQueryDto,
  ): Promise<Page<ClassificationResultDto>> {
    const sort = parseSort(query.sort, RESULT_SORT_FIELDS, [{ field: 'position', direction: 'ASC' }]);
    const page = await this.classification.listResults(
      membership.workspaceId,
      jobId,
      { label: query.label, minConfidence: query.minConfidence },
      pageRequest(query),
      sort,
    );
    return mapPage(page, (r) => ClassificationResultDto.from(r));
  }

  @Get(':jobId/label-counts')
  @ApiParam(JOB_ID)
  @ApiOperation({ summary: "How many of a job's results carry each label" })
  @ApiOkResponse({ type: LabelCountsDto })
  @ApiProblems(400)
  async labelCounts(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('jobId', jobIdPipe) jobId: string,
    @Query() query: LabelCountsQueryDto,
  ): Promise<LabelCountsDto> {
    return LabelCountsDto.from(
      await this.classification.labelCounts(membership.workspaceId, jobId, { minConfidence: query.minConfidence }),
    );
  }

  @Get(':jobId/results/export')
  @ApiParam(JOB_ID)
  @ApiOperation({
    summary: "Export a job's results as CSV (streamed)",
    description: `The same filters as the list, in data source and position order. Columns: ${CSV_COLUMNS.join(', ')} (labels joined with ;, explanation as JSON, the full text).`,
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'The results', schema: { type: 'string' } })
  @ApiProblems(400)
  async export(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('jobId', jobIdPipe) jobId: string,
    @Query() query: ResultFilterQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const chunks = await this.classification.exportResults(membership.workspaceId, jobId, {
      label: query.label,
      minConfidence: query.minConfidence,
    });
    async function* body(): AsyncGenerator<string> {
      yield CSV_COLUMNS.join(',') + '\r\n';
      for await (const chunk of chunks) yield csvLines(chunk);
    }
    await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="classification-${jobId}.csv"`)
      .send(Readable.from(body()));
  }
}
