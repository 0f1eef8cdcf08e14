export * from './data-source-options';
export * from './ensure-database';
export * from './migration-status';
export * from './pg-errors';
export * from './snake-naming.strategy';
export * from './timescale';
export * from './database-health-check';
