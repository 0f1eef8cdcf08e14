import { DynamicModule, Module } from '@nestjs/common';
import type { Logger as PinoLogger } from 'pino';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AppConfig, ConfigModule, LoggerModule, RedisModule, TracingModule } from '@labwire/core';
import { DatabaseModule } from '@labwire/domain';
import { StorageModule } from '@labwire/providers';
import { QueueModule } from '@labwire/queue';
import { AlertRulesHttpModule } from './alert-rules/alert-rules-http.module';
import { AlertsHttpModule } from './alerts/alerts-http.module';
import { BrokerHttpModule } from './broker/broker-http.module';
import { CalibrationHttpModule } from './calibration/calibration-http.module';
import { AuthGuard } from './common/auth/auth.guard';
import { ProblemFilter } from './common/errors/problem.filter';
import { HealthModule } from './health/health.module';
import { IdentityHttpModule } from './identity/identity-http.module';
import { ClassificationHttpModule } from './classification/classification-http.module';
import { SchedulesHttpModule } from './schedules/schedules-http.module';
import { ExperimentsHttpModule } from './experiments/experiments-http.module';
import { IngestionHttpModule } from './ingestion/ingestion-http.module';
import { JobsHttpModule } from './jobs/jobs-http.module';
import { InstrumentLiveHttpModule } from './instruments/instrument-live-http.module';
import { MetricsModule } from './metrics/metrics.module';
import { MqttBridgeModule } from './mqtt/mqtt-bridge.module';
import { NotificationsHttpModule } from './notifications/notifications-http.module';
import { TelemetryHttpModule } from './telemetry/telemetry-http.module';
import { WorkspacesHttpModule } from './workspaces/workspaces-http.module';
import { SharingHttpModule } from './sharing/sharing-http.module';
import { TransferHttpModule } from './transfer/transfer-http.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: PinoLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TracingModule,
        LoggerModule.forRoot(config, 'api', logger),
        RedisModule,
        DatabaseModule,
        QueueModule.forRoot('producer'),
        BrokerHttpModule,
        HealthModule.forRoot({ mqttBridge: config.api.mqttBridge }),
        MetricsModule,
        IdentityHttpModule,
        WorkspacesHttpModule,
        TelemetryHttpModule,
        JobsHttpModule,
        StorageModule,
        IngestionHttpModule,
        ClassificationHttpModule,
        SchedulesHttpModule,
        InstrumentLiveHttpModule,
        NotificationsHttpModule,
        ExperimentsHttpModule,
        CalibrationHttpModule,
        AlertRulesHttpModule,
        AlertsHttpModule,
        TransferHttpModule,
        SharingHttpModule,
        // API_MQTT_BRIDGE=false: a separate bridge process (BridgeAppModule) hears the instruments.
        ...(config.api.mqttBridge ? [MqttBridgeModule] : []),
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
    };
  }
}
