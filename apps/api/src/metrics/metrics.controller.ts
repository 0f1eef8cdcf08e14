import { Controller, Get, Header, Inject, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  APP_CONFIG,
  AppConfig,
  METRICS_TOKEN_REQUIRED,
  metricsAccessAllowed,
  UnauthenticatedError,
} from '@labwire/core';
import { Public } from '../common/auth/auth.decorators';
import { ApiProblems } from '../common/openapi/api-problems.decorator';
import { ApiMetrics } from './api-metrics';

@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: ApiMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get()
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics of this api process',
    description:
      'Open unless METRICS_TOKEN is set; then only `Authorization: Bearer <METRICS_TOKEN>` is answered ' +
      "(not an access token: the metrics token is the operator's, given to Prometheus).",
    security: [],
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string' } })
  @ApiProblems(401)
  async scrape(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    if (!metricsAccessAllowed(request.headers.authorization, this.config.metrics.token)) {
      void reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new UnauthenticatedError(METRICS_TOKEN_REQUIRED);
    }
    const body = await this.metrics.registry.metrics();
    void reply.header('content-type', this.metrics.registry.contentType);
    return body;
  }
}
