import { DynamicModule, Module } from '@nestjs/common';
import type { Logger as PinoLogger } from 'pino';
import { APP_FILTER } from '@nestjs/core';
import { AppConfig, ConfigModule, LoggerModule, RedisModule, TracingModule } from '@labwire/core';
import { DatabaseModule } from '@labwire/domain';
import { BrokerModule } from '@labwire/providers';
import { QueueModule } from '@labwire/queue';
import { ProblemFilter } from './common/errors/problem.filter';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { MqttBridgeModule } from './mqtt/mqtt-bridge.module';

/**
 * The MQTT bridge as its own process (`npm run start:bridge`): the same MqttBridgeModule the api runs
 * when API_MQTT_BRIDGE=true, with only health and metrics over HTTP (BRIDGE_PORT). Deployments that
 * want the api's HTTP isolated from instrument traffic run this beside api replicas with
 * API_MQTT_BRIDGE=false. The broker is checked and reconciled by the api (BrokerStartup), not here.
 */
@Module({})
export class BridgeAppModule {
  static forRoot(config: AppConfig, logger: PinoLogger): DynamicModule {
    return {
      module: BridgeAppModule,
      imports: [
        ConfigModule.forRoot(config),
        TracingModule,
        LoggerModule.forRoot(config, 'bridge', logger),
        RedisModule,
        DatabaseModule,
        QueueModule.forRoot('producer'),
        BrokerModule,
        HealthModule.forRoot({ mqttBridge: true }),
        MetricsModule,
        MqttBridgeModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}
