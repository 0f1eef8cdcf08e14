export * from './app-config';
export * from './config.error';
export * from './config.module';
export { parseDurationSeconds } from './config.schema';
export * from './dev-jwt-secret';
