import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { mapPage, Page } from '@labwire/core';
import {
  Actor,
  hasWorkspaceRole,
  NotificationChannelNotFoundError,
  NotificationChannelService,
  NotificationDeliveryNotFoundError,
  NotificationLogService,
  WorkspaceMembership,
} from '@labwire/domain';
import { pageRequest } from '../common/dto/page-query.dto';
import { ApiPageResponse } from '../common/dto/page.dto';
import { ETAG_RESPONSE_HEADER, parseIfMatch, versionETag } from '../common/http/etag';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { CurrentActor } from '../common/workspaces/current-actor.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { CreateNotificationChannelDto } from './dto/create-notification-channel.dto';
import { ListDeliveriesQueryDto } from './dto/list-deliveries-query.dto';
import { ListNotificationChannelsQueryDto } from './dto/list-notification-channels-query.dto';
import { NotificationAttemptDto } from './dto/notification-attempt.dto';
import { NotificationChannelWithSecretDto } from './dto/notification-channel-secret.dto';
import { NotificationChannelDto } from './dto/notification-channel.dto';
import { NotificationDeliveryDetailDto } from './dto/notification-delivery-detail.dto';
import { NotificationDeliveryDto } from './dto/notification-delivery.dto';
import { UpdateNotificationChannelDto } from './dto/update-notification-channel.dto';

const channelIdPipe = new ResourceIdPipe((id) => new NotificationChannelNotFoundError(id));
const deliveryIdPipe = new ResourceIdPipe((id) => new NotificationDeliveryNotFoundError(id));
const fullUrl = (m: WorkspaceMembership) => hasWorkspaceRole(m.role, 'editor');

/** Where alert notifications go (webhooks, email) and the log of what was delivered; viewers read, editors write. */
@ApiTags('notification-channels')
@ApiProblems(401)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@ApiParam({ name: 'workspaceId', type: String, format: 'uuid' })
@Controller('workspaces/:workspaceId/notification-channels')
export class NotificationChannelsController {
  constructor(
    private readonly channels: NotificationChannelService,
    private readonly log: NotificationLogService,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'notification_channels_list', summary: 'List notification channels (filter kind)' })
  @ApiPageResponse(NotificationChannelDto)
  @ApiProblems(400)
  async list(
    @CurrentMembership() membership: WorkspaceMembership,
    @Query() query: ListNotificationChannelsQueryDto,
  ): Promise<Page<NotificationChannelDto>> {
    const page = await this.channels.list(membership.workspaceId, { kind: query.kind }, pageRequest(query));
    return mapPage(page, (c) => NotificationChannelDto.from(c, fullUrl(membership)));
  }

  @Post()
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    operationId: 'notification_channels_create',
    summary: 'Create a channel; a webhook answers its signing secret, shown only this once',
  })
  @ApiCreatedResponse({ type: NotificationChannelWithSecretDto, headers: ETAG_RESPONSE_HEADER })
  @ApiProblems(400, 403, 409)
  async create(
    @CurrentMembership() membership: WorkspaceMembership,
    @Body() body: CreateNotificationChannelDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<NotificationChannelWithSecretDto> {
    const { channel, secret } = await this.channels.create(membership, body, actor);
    reply.header('etag', versionETag(channel.version));
    return { ...NotificationChannelDto.from(channel, true), secret };
  }

  @Get(':channelId')
  @ApiParam({ name: 'channelId', type: String, format: 'uuid' })
  @ApiOperation({ operationId: 'notification_channels_get', summary: 'Get a notification channel' })
  @ApiOkResponse({ type: NotificationChannelDto, headers: ETAG_RESPONSE_HEADER })
  @ApiProblems(404)
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('channelId', channelIdPipe) channelId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<NotificationChannelDto> {
    const channel = await this.channels.get(membership.workspaceId, channelId);
    reply.header('etag', versionETag(channel.version));
    return NotificationChannelDto.from(channel, fullUrl(membership));
  }

  @Patch(':channelId')
  @ApiParam({ name: 'channelId', type: String, format: 'uuid' })
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    operationId: 'notification_channels_update',
    summary: 'Update a channel (name, description, url or recipients, enabled); send If-Match to refuse stale writes',
  })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag you read; 412 if it changed since' })
  @ApiOkResponse({ type: NotificationChannelDto, headers: ETAG_RESPONSE_HEADER })
  @ApiProblems(400, 403, 404, 409, 412)
  async update(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('channelId', channelIdPipe) channelId: string,
    @Body() body: UpdateNotificationChannelDto,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<NotificationChannelDto> {
    const channel = await this.channels.update(membership, channelId, body, parseIfMatch(ifMatch), actor);
    reply.header('etag', versionETag(channel.version));
    return NotificationChannelDto.from(channel, true);
  }

  @Delete(':channelId')
  @ApiParam({ name: 'channelId', type: String, format: 'uuid' })
  @HttpCode(204)
  @RequireWorkspaceRole('editor')
  @ApiOperation({ operationId: 'notification_channels_delete', summary: 'Delete a channel and its delivery log' })
  @ApiNoContentResponse()
  @ApiProblems(403, 404)
  async remove(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('channelId', channelIdPipe) channelId: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    await this.channels.remove(membership, channelId, actor);
  }

  @Post(':channelId/rotate-secret')
  @ApiParam({ name: 'channelId', type: String, format: 'uuid' })
  @HttpCode(200)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    operationId: 'notification_channels_rotate_secret',
    summary: 'A new webhook signing secret, shown only this once; the old one stops signing at once',
  })
  @ApiOkResponse({ type: NotificationChannelWithSecretDto })
  @ApiProblems(400, 403, 404)
  async rotateSecret(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('channelId', channelIdPipe) channelId: string,
    @CurrentActor() actor: Actor,
  ): Promise<NotificationChannelWithSecretDto> {
    const { channel, secret } = await this.channels.rotateSecret(membership, channelId, actor);
    return { ...NotificationChannelDto.from(channel, true), secret };
  }

  @Post(':channelId/test')
  @ApiParam({ name: 'channelId', type: String, format: 'uuid' })
  @HttpCode(202)
  @RequireWorkspaceRole('editor')
  @ApiOperation({
    operationId: 'notification_channels_test',
    summary: 'Queue a test notification to the channel; follow it in its delivery log',
  })
  @ApiAcceptedResponse({ type: NotificationDeliveryDto })
  @ApiProblems(403, 404)
  async test(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('channelId', channelIdPipe) channelId: string,
    @CurrentActor() actor: Actor,
  ): Promise<NotificationDeliveryDto> {
    const deliveryId = await this.channels.sendTest(membership, channelId, actor);
    const { delivery } = await this.log.get(membership.workspaceId, channelId, deliveryId);
    return NotificationDeliveryDto.from(delivery);
  }

  @Get(':channelId/deliveries')
  @ApiParam({ name: 'channelId', type: String, format: 'uuid' })
  @ApiOperation({
    operationId: 'notification_deliveries_list',
    summary: 'The delivery log of a channel, newest first (filter status, event, alertId)',
  })
  @ApiPageResponse(NotificationDeliveryDto)
  @ApiProblems(400, 404)
  async deliveries(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('channelId', channelIdPipe) channelId: string,
    @Query() query: ListDeliveriesQueryDto,
  ): Promise<Page<NotificationDeliveryDto>> {
    const page = await this.log.list(
      membership.workspaceId,
      channelId,
      { status: query.status, event: query.event, alertId: query.alertId },
      pageRequest(query),
    );
    return mapPage(page, (d) => NotificationDeliveryDto.from(d));
  }

  @Get(':channelId/deliveries/:deliveryId')
  @ApiParam({ name: 'channelId', type: String, format: 'uuid' })
  @ApiParam({ name: 'deliveryId', type: String, format: 'uuid' })
  @ApiOperation({ operationId: 'notification_deliveries_get', summary: 'One delivery with every attempt' })
  @ApiOkResponse({ type: NotificationDeliveryDetailDto })
  @ApiProblems(404)
  async delivery(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('channelId', channelIdPipe) channelId: string,
    @Param('deliveryId', deliveryIdPipe) deliveryId: string,
  ): Promise<NotificationDeliveryDetailDto> {
    const { delivery, attempts } = await this.log.get(membership.workspaceId, channelId, deliveryId);
    return {
      ...NotificationDeliveryDto.from(delivery),
      attemptLog: attempts.map((a) => NotificationAttemptDto.from(a)),
    };
  }
}
