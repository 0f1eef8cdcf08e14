import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { mapPage, Page, parseSort } from '@labwire/core';
import {
  Actor,
  COMMAND_SORT_FIELDS,
  CommandNotFoundError,
  CommandService,
  InstrumentNotFoundError,
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
import { CommandDto } from './dto/command.dto';
import { CreateCommandDto } from './dto/create-command.dto';
import { ListCommandsQueryDto } from './dto/list-commands-query.dto';

const instrumentIdPipe = new ResourceIdPipe((id) => new InstrumentNotFoundError(id));
const commandIdPipe = new ResourceIdPipe((id) => new CommandNotFoundError(id));

/** Commands to an instrument; viewers read, editors send and cancel. */
@ApiTags('commands')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@ApiParam({ name: 'instrumentId', type: String, format: 'uuid' })
@Controller('workspaces/:workspaceId/instruments/:instrumentId/commands')
export class CommandsController {
  constructor(private readonly commands: CommandService) {}

  @Post()
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    summary: 'Send a command to the instrument',
    description:
      'Stored `queued`; if the instrument is online it is published at once (QoS 1, `{"name", "params"}` on ' +
      '`labwire/instruments/{id}/commands/{commandId}`) and answered `sent`, otherwise it waits until the ' +
      'instrument comes online or expiresAt passes. The reply on `…/commands/{commandId}/reply` closes it ' +
      '(succeeded or failed); no reply within timeoutSeconds makes it timed_out. With an idempotencyKey ' +
      'already used for the same body the existing command is answered with 200.',
  })
  @ApiCreatedResponse({ type: CommandDto, description: 'Created' })
  @ApiOkResponse({ type: CommandDto, description: 'The command this idempotencyKey already created' })
  @ApiProblems(400, 403, 404, 409)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Body() body: CreateCommandDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandDto> {
    const { command, created } = await this.commands.create(
      membership,
      instrumentId,
      {
        name: body.name,
        params: body.params,
        timeoutSeconds: body.timeoutSeconds,
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
        idempotencyKey: body.idempotencyKey ?? null,
      },
      actor,
    );
    if (!created) reply.status(200);
    return CommandDto.from(command);
  }

  @Get()
  @ApiOperation({
    summary: "List the instrument's commands",
    description: 'Newest first by default; sort by createdAt, updatedAt, status, name; filter by status (comma list).',
  })
  @ApiPageResponse(CommandDto)
  @ApiProblems(400, 404)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Query() query: ListCommandsQueryDto,
  ): Promise<Page<CommandDto>> {
    const sort = parseSort(query.sort, COMMAND_SORT_FIELDS, [{ field: 'createdAt', direction: 'DESC' }]);
    const page = await this.commands.list(
      membership.workspaceId,
      instrumentId,
      { statuses: query.status },
      pageRequest(query),
      sort,
    );
    return mapPage(page, (c) => CommandDto.from(c));
  }

  @Get(':commandId')
  @ApiParam({ name: 'commandId', type: String, format: 'uuid' })
  @ApiOperation({ summary: 'Get a command and its outcome' })
  @ApiOkResponse({ type: CommandDto })
  @ApiProblems(404)
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Param('commandId', commandIdPipe) commandId: string,
  ): Promise<CommandDto> {
    return CommandDto.from(await this.commands.get(membership.workspaceId, instrumentId, commandId));
  }

  @Post(':commandId/cancel')
  @HttpCode(200)
  @RequireWorkspaceRole('editor')
  @ApiParam({ name: 'commandId', type: String, format: 'uuid' })
  @ApiOperation({
    summary: 'Cancel a queued or sent command',
    description:
      'A queued command will not be sent; a sent one no longer waits for its reply (a later reply is ignored). ' +
      'Cancelling a cancelled command answers it unchanged; other final statuses are 409 COMMAND_NOT_CANCELLABLE.',
  })
  @ApiOkResponse({ type: CommandDto })
  @ApiProblems(403, 404, 409)
  async cancel(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
    @Param('commandId', commandIdPipe) commandId: string,
    @CurrentActor() actor: Actor,
  ): Promise<CommandDto> {
    return CommandDto.from(await this.commands.cancel(membership, instrumentId, commandId, actor));
  }
}
