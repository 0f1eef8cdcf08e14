import { DataSourceOptions, MixedList, EntitySchema } from 'typeorm';
import { AppConfig } from '@labwire/core';
import { SnakeNamingStrategy } from './snake-naming.strategy';

export interface PersistenceParts {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}

/** The one place TypeORM options are built: apps, CLI and tests all go through it. */
export function buildDataSourceOptions(
  config: Pick<AppConfig, 'database'>,
  parts: PersistenceParts,
  applicationName = 'labwire',
): DataSourceOptions {
  return {
    type: 'postgres',
    // gen_random_uuid() is built into PostgreSQL ≥ 13; never CREATE EXTENSION at connect time.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    url: config.database.url,
    entities: parts.entities,
    migrations: parts.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    // Query errors surface as exceptions and are logged where they are handled, with context.
    logging: false,
    applicationName,
    extra: {
      max: config.database.poolSize,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
    },
  };
}
