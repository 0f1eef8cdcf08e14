import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { mapPage, Page, parseSort } from '@labwire/core';
import {
  Actor,
  InstrumentNotFoundError,
  MAINTENANCE_WINDOW_SORT_FIELDS,
  MaintenanceWindowNotFoundError,
  MaintenanceWindowService,
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
import { CreateMaintenanceWindowDto } from './dto/create-maintenance-window.dto';
import { ListMaintenanceWindowsQueryDto } from './dto/list-maintenance-windows-query.dto';
import { MaintenanceWindowDto } from './dto/maintenance-window.dto';

const instrumentIdPipe = new ResourceIdPipe((id) => new InstrumentNotFoundError(id));
const windowIdPipe = new ResourceIdPipe((id) => new MaintenanceWindowNotFoundError(id));
const INSTRUMENT_ID = { name: 'instrumentId', type: String, format: 'uuid' } as const;
const WINDOW_ID = { name: 'windowId', type: String, format: 'uuid' } as const;

/**
 * Maintenance windows of an instrument; viewers read, editors plan, record and cancel. While a window
 * is open the instrument's status is `maintenance`.
 */
@ApiTags('maintenance')
@ApiProblems(401, 404)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@Controller('workspaces/:workspaceId/instruments/:instrumentId/maintenance')
export class MaintenanceWindowsController {
  constructor(private readonly windows: MaintenanceWindowService) {}

  @Post()
  @ApiParam(INSTRUMENT_ID)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Plan a maintenance window, or record one that is over',
    description:
      "From its start to its end the instrument's status is `maintenance` (an `active` or `offline` one; a retired " +
      'instrument is left alone); when no window is open any more it returns to the status it had. Windows may ' +
      'overlap: the instrument leaves maintenance when the last one ends. Edges are applied by the worker on time ' +
      '(within a minute at worst).',
  })
  @ApiCreatedResponse({ type: MaintenanceWindowDto })
  @ApiProblems(400, 403)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Body() body: CreateMaintenanceWindowDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MaintenanceWindowDto> {
    const window = await this.windows.create(
      membership,
      instrumentId,
      {
        startsAt: new Date(body.startsAt),
        endsAt: new Date(body.endsAt),
        kind: body.kind,
        notes: body.notes ?? null,
      },
      actor,
    );
    reply.header(
      'location',
      `/api/v1/workspaces/${window.workspaceId}/instruments/${window.instrumentId}/maintenance/${window.id}`,
    );
    return MaintenanceWindowDto.from(window);
  }

  @Get()
  @ApiParam(INSTRUMENT_ID)
  @ApiOperation({
    summary: "List an instrument's maintenance windows",
    description:
      'Filter by state (planned, open, done) and kind; sort by startsAt, endsAt, createdAt (default -startsAt).',
  })
  @ApiPageResponse(MaintenanceWindowDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Query() query: ListMaintenanceWindowsQueryDto,
  ): Promise<Page<MaintenanceWindowDto>> {
    const sort = parseSort(query.sort, MAINTENANCE_WINDOW_SORT_FIELDS, [{ field: 'startsAt', direction: 'DESC' }]);
    const page = await this.windows.list(
      membership.workspaceId,
      instrumentId,
      { state: query.state, kind: query.kind },
      pageRequest(query),
      sort,
    );
    const now = new Date();
    return mapPage(page, (w) => MaintenanceWindowDto.from(w, now));
  }

  @Get(':windowId')
  @ApiParam(INSTRUMENT_ID)
  @ApiParam(WINDOW_ID)
  @ApiOperation({ summary: 'Get a maintenance window' })
  @ApiOkResponse({ type: MaintenanceWindowDto })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Param('windowId', windowIdPipe) windowId: string,
  ): Promise<MaintenanceWindowDto> {
    return MaintenanceWindowDto.from(await this.windows.get(membership.workspaceId, instrumentId, windowId));
  }

  @Delete(':windowId')
  @ApiParam(INSTRUMENT_ID)
  @ApiParam(WINDOW_ID)
  @HttpCode(204)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Delete a maintenance window: a planned one is cancelled, an open one ends now',
  })
  @ApiNoContentResponse()
  @ApiProblems(403)
  async remove(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Param('windowId', windowIdPipe) windowId: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.windows.remove(membership, instrumentId, windowId, actor);
  }
}
