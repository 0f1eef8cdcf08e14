export * from './storable-json';
export * from './redact-url';
export * from './csv';
