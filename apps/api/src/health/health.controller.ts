import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { HealthCheck, runHealthChecks } from '@labwire/core';
import { Public } from '../common/auth/auth.decorators';
import { DependencyStatusDto, HealthReportDto, LivenessDto } from './dto/health-report.dto';
import { READINESS_CHECKS } from './readiness-checks';

/** Probes for orchestrators and load balancers; outside /api/v1 and unauthenticated. */
@ApiTags('health')
@ApiExtraModels(DependencyStatusDto)
@Controller('health')
export class HealthController {
  constructor(@Inject(READINESS_CHECKS) private readonly checks: readonly HealthCheck[]) {}

  @Public()
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up and serving HTTP', security: [] })
  @ApiOkResponse({ type: LivenessDto, description: 'The process is up' })
  live(): LivenessDto {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  @Public()
  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: every dependency (database, Redis, MQTT broker) answers and the MQTT bridge is subscribed',
    description: 'Answers 503 with the same body when a dependency is down; the body names it.',
    security: [],
  })
  @ApiOkResponse({ type: HealthReportDto, description: 'Every dependency is up' })
  @ApiServiceUnavailableResponse({ type: HealthReportDto, description: 'A dependency is down; `checks` names it' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReportDto> {
    const report = await runHealthChecks(this.checks);
    if (report.status !== 'ok') void reply.status(503);
    return report;
  }
}
