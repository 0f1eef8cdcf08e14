import { Module } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { HealthCheck, REDIS, redisHealthCheck } from '@labwire/core';
import { databaseHealthCheck } from '@labwire/database';
import { HealthController } from './health.controller';
import { READINESS_CHECKS } from './readiness-checks';

@Module({
  controllers: [HealthController],
  providers: [
    {
      provide: READINESS_CHECKS,
      inject: [DataSource, REDIS],
      // Add a dependency's check here (and inject what it needs) to make readiness wait for it.
      useFactory: (dataSource: DataSource, redis: Redis): HealthCheck[] => [
        databaseHealthCheck(dataSource),
        redisHealthCheck(redis),
      ],
    },
  ],
})
export class HealthModule {}
