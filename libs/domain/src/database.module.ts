import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '@labwire/core';
import { domainDataSourceOptions } from './data-source';

/** The TypeORM connection both apps use; migrations are run by the CLI, never at boot. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ ...domainDataSourceOptions(config), retryAttempts: 2, retryDelay: 1000 }),
    }),
  ],
})
export class DatabaseModule {}
