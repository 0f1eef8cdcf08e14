export * from './entities';
export * from './data-source';
export * from './database.module';
export * from './identity';
export * from './maintenance';
