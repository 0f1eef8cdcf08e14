export * from './webhook-sender';
