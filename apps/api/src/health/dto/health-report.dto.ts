import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class DependencyStatusDto {
  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';

  @ApiProperty({ description: 'how long the check took', example: 2 })
  latencyMs!: number;

  @ApiPropertyOptional({ enum: ['timeout', 'failed'], description: 'why the dependency is down' })
  error?: 'timeout' | 'failed';
}

export class HealthReportDto {
  @ApiProperty({ enum: ['ok', 'error'] })
  status!: 'ok' | 'error';

  @ApiProperty({
    description:
      'each dependency by name: database, redis, broker (management answers), mqttBridge (connected and subscribed)',
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/DependencyStatusDto' },
    example: { database: { status: 'up', latencyMs: 1 }, redis: { status: 'up', latencyMs: 1 } },
  })
  checks!: Record<string, DependencyStatusDto>;
}

export class LivenessDto {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';

  @ApiProperty({ description: 'seconds since the process started', example: 42 })
  uptimeSeconds!: number;
}
