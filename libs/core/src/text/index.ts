export * from './storable-json';
export * from './redact-url';
