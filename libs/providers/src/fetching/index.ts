export * from './network-policy';
export * from './url-fetcher';
export * from './url-fetcher.module';
export * from './guarded-lookup';
export * from './bounded-body';
