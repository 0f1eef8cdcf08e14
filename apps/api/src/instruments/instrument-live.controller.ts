import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig, mapPage, Page } from '@labwire/core';
import {
  instrumentLiveChannels,
  InstrumentNotFoundError,
  InstrumentStateService,
  WorkspaceMembership,
} from '@labwire/domain';
import { pageRequest, PageQueryDto } from '../common/dto/page-query.dto';
import { ApiPageResponse } from '../common/dto/page.dto';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { ApiSseResponse } from '../common/sse/api-sse-response.decorator';
import { SseService } from '../common/sse/sse.service';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { StateTransitionDto } from './dto/state-transition.dto';

const instrumentIdPipe = new ResourceIdPipe((id) => new InstrumentNotFoundError(id));

/** An instrument's connection state history, and its live events as Server-Sent Events. */
@ApiTags('instruments')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@ApiParam({ name: 'instrumentId', type: String, format: 'uuid' })
@Controller('workspaces/:workspaceId/instruments/:instrumentId')
export class InstrumentLiveController {
  constructor(
    private readonly states: InstrumentStateService,
    private readonly sse: SseService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('state-history')
  @ApiOperation({
    summary: "The instrument's connection state changes, newest first",
    description: 'Each change of connectionState: from, to, source (status, telemetry, silence), reason and time.',
  })
  @ApiPageResponse(StateTransitionDto)
  @ApiProblems(400)
  async stateHistory(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<StateTransitionDto>> {
    const page = await this.states.history(membership.workspaceId, instrumentId, pageRequest(query));
    return mapPage(page, (t) => StateTransitionDto.from(t));
  }

  @Get('events')
  @ApiOperation({
    summary: "The instrument's live events (Server-Sent Events)",
    description:
      'New telemetry, connection state changes, command changes and dropped telemetry as they happen. ' +
      'Send Accept: text/event-stream.',
  })
  @ApiProblems(503)
  @ApiSseResponse({
    ready:
      'first, once the stream is live: `{instrumentId, connectionState, stateChangedAt}` (the state now; ' +
      'every later change follows)',
    telemetry: 'readings just stored: `{instrumentId, readings: [{time, metric, value}]}`',
    state: 'a connection state change: `{id, instrumentId, from, to, source, reason, at}`',
    command: 'a command created or changed: the command as `GET …/commands/{commandId}` returns it',
    drop:
      'telemetry messages dropped, at most one event per TELEMETRY_DROPS_FLUSH_MS: `{instrumentId, count, ' +
      'byReason, lastReason, lastDetail, lastAt}` (counts of that interval; totals at …/telemetry/drops)',
  })
  async events(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const channels = instrumentLiveChannels(this.config.redis.prefix, instrumentId);
    await this.sse.stream(request, reply, {
      sources: [
        { channel: channels.telemetry, event: 'telemetry' },
        { channel: channels.state, event: 'state' },
        { channel: channels.commands, event: 'command' },
        { channel: channels.drops, event: 'drop' },
      ],
      // Read after subscribing: no change between this read and the stream can be missed.
      ready: async () => {
        const state = await this.states.current(membership.workspaceId, instrumentId);
        return {
          event: 'ready',
          data: {
            instrumentId,
            connectionState: state.connectionState,
            stateChangedAt: state.stateChangedAt ? new Date(state.stateChangedAt).toISOString() : null,
          },
        };
      },
    });
  }
}
