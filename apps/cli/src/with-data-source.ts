import { DataSource } from 'typeorm';
import { AppConfig } from '@labwire/core';
import { createDomainDataSource } from '@labwire/domain';

export async function withDataSource<T>(config: AppConfig, fn: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = createDomainDataSource(config, 'labwire-cli');
  await ds.initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}
