import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { mapPage, Page } from '@labwire/core';
import {
  Actor,
  alertActorOf,
  AlertSilenceInput,
  AlertSilenceNotFoundError,
  AlertSilenceService,
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
import { AlertSilenceDto, AlertSilenceInputDto, ListAlertSilencesQueryDto } from './dto/alert-silence.dto';

const silenceIdPipe = new ResourceIdPipe((id) => new AlertSilenceNotFoundError(id));

const input = (b: AlertSilenceInputDto): AlertSilenceInput => ({
  key: b.key ?? null,
  instrumentId: b.instrumentId ?? null,
  startsAt: b.startsAt ? new Date(b.startsAt) : undefined,
  endsAt: new Date(b.endsAt),
  reason: b.reason,
});

/** Silences: alerts they cover are recorded (history `suppressed`) but not shown on displays. */
@ApiTags('alerts')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/alert-silences')
export class AlertSilencesController {
  constructor(private readonly silences: AlertSilenceService) {}

  @Get()
  @ApiOperation({ summary: 'List silences, latest start first (active=true: only those in force now)' })
  @ApiPageResponse(AlertSilenceDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() q: ListAlertSilencesQueryDto,
  ): Promise<Page<AlertSilenceDto>> {
    const page = await this.silences.list(
      membership.workspaceId,
      q.active === 'true' ? new Date() : null,
      pageRequest(q),
    );
    return mapPage(page, (s) => AlertSilenceDto.from(s));
  }

  @Post()
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Silence a key, an instrument, or a key on one instrument, for a time window',
    description: 'Displays stop showing covered alerts from startsAt (default now) to endsAt; they are still recorded.',
  })
  @ApiCreatedResponse({ type: AlertSilenceDto })
  @ApiProblems(400, 403)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Body() body: AlertSilenceInputDto,
    @CurrentActor() actor: Actor,
  ): Promise<AlertSilenceDto> {
    return AlertSilenceDto.from(await this.silences.create(membership.workspaceId, input(body), alertActorOf(actor)));
  }

  @Get(':silenceId')
  @ApiParam({ name: 'silenceId', type: String, format: 'uuid' })
  @ApiOperation({ summary: 'Get a silence' })
  @ApiOkResponse({ type: AlertSilenceDto })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('silenceId', silenceIdPipe) id: string,
  ): Promise<AlertSilenceDto> {
    return AlertSilenceDto.from(await this.silences.get(membership.workspaceId, id));
  }

  @Put(':silenceId')
  @RequireWorkspaceRole('editor')
  @ApiParam({ name: 'silenceId', type: String, format: 'uuid' })
  @ApiOperation({ summary: 'Replace a silence (e.g. end it early by moving endsAt)' })
  @ApiOkResponse({ type: AlertSilenceDto })
  @ApiProblems(400, 403)
  async replace(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('silenceId', silenceIdPipe) id: string,
    @Body() body: AlertSilenceInputDto,
    @CurrentActor() actor: Actor,
  ): Promise<AlertSilenceDto> {
    return AlertSilenceDto.from(
      await this.silences.update(membership.workspaceId, id, input(body), alertActorOf(actor)),
    );
  }

  @Delete(':silenceId')
  @HttpCode(204)
  @RequireWorkspaceRole('editor')
  @ApiParam({ name: 'silenceId', type: String, format: 'uuid' })
  @ApiOperation({ summary: 'Delete a silence (displays show what it hid at once)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(403)
  async delete(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('silenceId', silenceIdPipe) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.silences.delete(membership.workspaceId, id, alertActorOf(actor));
  }
}
