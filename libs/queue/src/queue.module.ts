import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { JobProducer } from './job-producer';
import { bullOptions, QueueRole } from './queue-connection';
import { QUEUE_NAMES } from './queue-name';
import { QueueRegistry } from './queue-registry';

/**
 * BullMQ for a Nest app: the shared connection (REDIS_URL, hash-tagged prefix), one Queue per
 * QueueName, the QueueRegistry over them and the typed JobProducer. The worker's @Processor classes
 * pick up the same connection. Global: imported once by the app module, used everywhere.
 */
@Module({})
export class QueueModule {
  static forRoot(role: QueueRole): DynamicModule {
    return {
      module: QueueModule,
      global: true,
      imports: [
        BullModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => bullOptions(config, role),
        }),
        BullModule.registerQueue(...QUEUE_NAMES.map((name) => ({ name }))),
      ],
      providers: [
        {
          provide: QueueRegistry,
          inject: QUEUE_NAMES.map((name) => getQueueToken(name)),
          useFactory: (...queues: Queue[]) =>
            new QueueRegistry(new Map(QUEUE_NAMES.map((name, i) => [name, QueueRegistry.watch(queues[i])]))),
        },
        JobProducer,
      ],
      exports: [BullModule, QueueRegistry, JobProducer],
    };
  }
}
