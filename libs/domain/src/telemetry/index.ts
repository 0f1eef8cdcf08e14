export * from './telemetry-maintenance.service';
export * from './telemetry-reading';
export * from './telemetry-writer';
export * from './telemetry.module';
export * from './telemetry.repository';
export * from './telemetry-query.service';
export * from './telemetry-ingest.service';
