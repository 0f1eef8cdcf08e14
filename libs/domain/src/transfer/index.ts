export * from './export-format';
export * from './export.service';
export * from './import.service';
export * from './transfer-kind';
export * from './transfer-registry';
export * from './transfer.errors';
export * from './transfer.module';
export * from './ndjson-reader';
