export * from './alert-retention.repository';
export * from './audit-retention.repository';
export * from './maintenance.module';
export * from './maintenance.service';
