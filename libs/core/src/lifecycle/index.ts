export * from './shutdown-deadline';
