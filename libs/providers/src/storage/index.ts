export * from './local-file-storage';
export * from './object-storage';
export * from './s3-storage';
export * from './storage-url';
export * from './storage.module';
