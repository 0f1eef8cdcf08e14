export * from './share-link';
export * from './share-link.service';
export * from './share-rate-limiter';
export * from './sharing.errors';
export * from './sharing.module';
