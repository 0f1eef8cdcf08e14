export * from './actor';
export * from './audit-changes';
export * from './audit-entity-type';
export * from './audit-entry.entity';
export * from './audit.module';
export * from './audit.repository';
export * from './audit.service';
