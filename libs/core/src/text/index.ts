export * from './storable-json';
