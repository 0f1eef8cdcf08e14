import { DataSource } from 'typeorm';
import type { HealthCheck } from '@labwire/core';

/** PostgreSQL answers `SELECT 1` through the process's pool. */
export function databaseHealthCheck(dataSource: DataSource, name = 'database'): HealthCheck {
  return {
    name,
    async check() {
      await dataSource.query('SELECT 1');
    },
  };
}
