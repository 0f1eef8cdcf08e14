import { DynamicModule, Module } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import {
  AppConfig,
  ConfigModule,
  HealthCheck,
  LoggerModule,
  REDIS,
  RedisModule,
  redisHealthCheck,
  TracingModule,
} from '@labwire/core';
import { databaseHealthCheck } from '@labwire/database';
import {
  AlertRuleEvaluationModule,
  AlertsModule,
  CalibrationModule,
  ClassificationModule,
  CommandsModule,
  DatabaseModule,
  ExperimentsModule,
  IngestionModule,
  InstrumentStateModule,
  JobsModule,
  MailingModule,
  MaintenanceModule,
  NotificationsModule,
  SchedulesModule,
  TelemetryModule,
  TransferModule,
} from '@labwire/domain';
import { StorageModule } from '@labwire/providers';
import { QueueModule } from '@labwire/queue';
import { WORKER_READINESS_CHECKS, WorkerReadiness } from './health/worker-readiness';
import { WorkerHttpServer } from './http/worker-http-server';
import { WorkerMetrics } from './metrics/worker-metrics';
import { AlertRulesProcessor } from './processors/alert-rules.processor';
import { AlertsProcessor } from './processors/alerts.processor';
import { ClassificationProcessor } from './processors/classification.processor';
import { ExperimentsProcessor } from './processors/experiments.processor';
import { IngestionProcessor } from './processors/ingestion.processor';
import { InstrumentsProcessor } from './processors/instruments.processor';
import { MailProcessor } from './processors/mail.processor';
import { MaintenanceProcessor } from './processors/maintenance.processor';
import { NotificationsProcessor } from './processors/notifications.processor';
import { SchedulesProcessor } from './processors/schedules.processor';
import { TelemetryProcessor } from './processors/telemetry.processor';
import { TransferProcessor } from './processors/transfer.processor';
import { QUEUE_PROCESSORS } from './runner/queue-processors';
import { WorkerRunner } from './runner/worker-runner';
import { AlertRulesScheduler } from './schedules/alert-rules-scheduler';
import { InstrumentLivenessScheduler } from './schedules/instrument-liveness-scheduler';
import { MaintenanceScheduler } from './schedules/maintenance-scheduler';
import { NotificationsScheduler } from './schedules/notifications-scheduler';
import { UserSchedulesReconciler } from './schedules/user-schedules-reconciler';

/** Every processor, one per QueueName. A processor missing here fails the boot-time check. */
const PROCESSORS = [
  MaintenanceProcessor,
  TelemetryProcessor,
  InstrumentsProcessor,
  IngestionProcessor,
  ClassificationProcessor,
  NotificationsProcessor,
  MailProcessor,
  AlertsProcessor,
  SchedulesProcessor,
  TransferProcessor,
  ExperimentsProcessor,
  AlertRulesProcessor,
];

/**
 * The worker: a Nest application context (no HTTP framework) with the BullMQ processors, the job
 * schedulers, and a small HTTP server for health and metrics.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        TracingModule,
        LoggerModule.forRoot(config, 'worker'),
        RedisModule,
        DatabaseModule,
        QueueModule.forRoot('worker'),
        MaintenanceModule,
        TelemetryModule,
        JobsModule,
        InstrumentStateModule,
        CommandsModule,
        AlertsModule,
        AlertRuleEvaluationModule,
        StorageModule,
        IngestionModule,
        ClassificationModule,
        NotificationsModule,
        MailingModule,
        ExperimentsModule,
        CalibrationModule,
        SchedulesModule,
        TransferModule,
      ],
      providers: [
        ...PROCESSORS,
        { provide: QUEUE_PROCESSORS, inject: PROCESSORS, useFactory: (...processors: unknown[]) => processors },
        WorkerRunner,
        WorkerMetrics,
        MaintenanceScheduler,
        InstrumentLivenessScheduler,
        NotificationsScheduler,
        UserSchedulesReconciler,
        AlertRulesScheduler,
        {
          provide: WORKER_READINESS_CHECKS,
          inject: [DataSource, REDIS, WorkerRunner],
          useFactory: (dataSource: DataSource, redis: Redis, runner: WorkerRunner): HealthCheck[] => [
            databaseHealthCheck(dataSource),
            redisHealthCheck(redis),
            {
              name: 'workers',
              check: async () => {
                if (!runner.isRunning()) throw new Error('the BullMQ workers are not running');
              },
            },
          ],
        },
        WorkerReadiness,
        WorkerHttpServer,
      ],
    };
  }
}
