import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { InstrumentNotFoundError, TelemetryDropsService, WorkspaceMembership } from '@labwire/domain';
import { ResourceIdPipe } from '../common/http/resource-id.pipe';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import {
  CurrentMembership,
  RequireWorkspaceRole,
  WorkspaceScoped,
} from '../common/workspaces/workspace-access.decorators';
import { TelemetryDropsDto } from './dto/telemetry-drops.dto';

const instrumentIdPipe = new ResourceIdPipe((id) => new InstrumentNotFoundError(id));

/** What the MQTT bridge dropped of an instrument's telemetry, and why. */
@ApiTags('telemetry')
@ApiProblems(401, 404)
@WorkspaceScoped()
@RequireWorkspaceRole('viewer')
@ApiParam({ name: 'instrumentId', type: String, format: 'uuid' })
@Controller('workspaces/:workspaceId/instruments/:instrumentId/telemetry/drops')
export class TelemetryDropsController {
  constructor(private readonly drops: TelemetryDropsService) {}

  @Get()
  @ApiOperation({
    summary: "The instrument's dropped telemetry messages: counts by reason, and the last one's reason",
    description:
      'Counts are written by the MQTT bridge every TELEMETRY_DROPS_FLUSH_MS (default 5 s), so the newest drops ' +
      'appear after that. The instrument’s event stream (…/events) announces them as `drop` events.',
  })
  @ApiOkResponse({ type: TelemetryDropsDto })
  async get(
    @CurrentMembership() membership: WorkspaceMembership,
    @Param('instrumentId', instrumentIdPipe) instrumentId: string,
  ): Promise<TelemetryDropsDto> {
    return TelemetryDropsDto.from(await this.drops.forInstrument(membership.workspaceId, instrumentId));
  }
}
