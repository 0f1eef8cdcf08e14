export * from './config';
export * from './errors';
export * from './logging';
export * from './pagination';
export * from './redis';
