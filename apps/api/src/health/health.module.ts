import { Module } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { HealthCheck, REDIS, redisHealthCheck } from '@labwire/core';
import { databaseHealthCheck } from '@labwire/database';
import { BROKER_ADMIN, BrokerAdmin, brokerHealthCheck } from '@labwire/providers';
import { MqttBridgeModule } from '../mqtt/mqtt-bridge.module';
import { MqttBridgeState } from '../mqtt/mqtt-bridge-state';
import { HealthController } from './health.controller';
import { READINESS_CHECKS } from './readiness-checks';

@Module({
  imports: [MqttBridgeModule],
  controllers: [HealthController],
  providers: [
    {
      provide: READINESS_CHECKS,
      inject: [DataSource, REDIS, BROKER_ADMIN, MqttBridgeState],
      // Add a dependency's check here (and inject what it needs) to make readiness wait for it.
      useFactory: (
        dataSource: DataSource,
        redis: Redis,
        broker: BrokerAdmin,
        bridge: MqttBridgeState,
      ): HealthCheck[] => [
        databaseHealthCheck(dataSource),
        redisHealthCheck(redis),
        brokerHealthCheck(broker),
        bridge.healthCheck(),
      ],
    },
  ],
})
export class HealthModule {}
