import { DynamicModule, Module } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { HealthCheck, REDIS, redisHealthCheck } from '@labwire/core';
import { databaseHealthCheck } from '@labwire/database';
import { BROKER_ADMIN, BrokerAdmin, brokerHealthCheck } from '@labwire/providers';
import { MqttBridgeModule } from '../mqtt/mqtt-bridge.module';
import { MqttBridgeState } from '../mqtt/mqtt-bridge-state';
import { HealthController } from './health.controller';
import { READINESS_CHECKS } from './readiness-checks';

const baseChecks = (dataSource: DataSource, redis: Redis, broker: BrokerAdmin): HealthCheck[] => [
  databaseHealthCheck(dataSource),
  redisHealthCheck(redis),
  brokerHealthCheck(broker),
];

@Module({})
export class HealthModule {
  /**
   * `mqttBridge`: this process runs the MQTT bridge, so readiness also waits for it to be subscribed
   * (an api with API_MQTT_BRIDGE=false is ready without it). Add a dependency's check here (and
   * inject what it needs) to make readiness wait for it.
   */
  static forRoot(opts: { mqttBridge: boolean }): DynamicModule {
    const inject = [DataSource, REDIS, BROKER_ADMIN];
    return {
      module: HealthModule,
      imports: opts.mqttBridge ? [MqttBridgeModule] : [],
      controllers: [HealthController],
      providers: [
        opts.mqttBridge
          ? {
              provide: READINESS_CHECKS,
              inject: [...inject, MqttBridgeState],
              useFactory: (dataSource: DataSource, redis: Redis, broker: BrokerAdmin, bridge: MqttBridgeState) => [
                ...baseChecks(dataSource, redis, broker),
                bridge.healthCheck(),
              ],
            }
          : { provide: READINESS_CHECKS, inject, useFactory: baseChecks },
      ],
    };
  }
}
