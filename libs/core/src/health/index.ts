export * from './health-check';
export * from './metrics-access';
