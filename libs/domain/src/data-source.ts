import { DataSource } from 'typeorm';
import { AppConfig } from '@labwire/core';
import { buildDataSourceOptions } from '@labwire/database';
import { MIGRATIONS } from '@labwire/migrations';
import { ENTITIES } from './entities';

/** Data source options for the whole domain: the same for api, worker, CLI and tests. */
export function domainDataSourceOptions(config: Pick<AppConfig, 'database'>, applicationName?: string) {
  return buildDataSourceOptions(config, { entities: ENTITIES, migrations: MIGRATIONS }, applicationName);
}

export function createDomainDataSource(config: Pick<AppConfig, 'database'>, applicationName?: string): DataSource {
  return new DataSource(domainDataSourceOptions(config, applicationName));
}
