export * from './config';
export * from './errors';
export * from './logging';
export * from './pagination';
export * from './redis';
export * from './health';
export * from './lifecycle';
export * from './text';
