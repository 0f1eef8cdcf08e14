import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '../../libs/core/src';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { TestApi, testEnv } from './test-app';

/**
 * The real worker (same module as production) in this process, on the database, Redis key prefix and
 * broker of `api`, so the jobs the api enqueues run; its health server takes a spare port.
 */
export async function startTestWorker(
  api: TestApi,
  extraEnv: Record<string, string> = {},
): Promise<INestApplicationContext> {
  const config = loadConfig(
    testEnv(api.dbUrl, {
      REDIS_KEY_PREFIX: api.config.redis.prefix,
      WORKER_PORT: '0',
      // the api's broker (a test may run its own)
      MQTT_URL: api.config.mqtt.url,
      MQTT_USERNAME: api.config.mqtt.username,
      ...(api.config.mqtt.password ? { MQTT_PASSWORD: api.config.mqtt.password } : {}),
      ...extraEnv,
    }),
  );
  const worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: false,
    abortOnError: false,
  });
  await worker.init();
  return worker;
}
