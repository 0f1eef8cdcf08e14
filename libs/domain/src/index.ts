export * from './entities';
export * from './data-source';
export * from './database.module';
export * from './identity';
export * from './maintenance';
export * from './workspaces';
export * from './instruments';
export * from './audit';
