import { Module } from '@nestjs/common';
import { TelemetryIngestService } from './telemetry-ingest.service';
import { TelemetryMaintenanceService } from './telemetry-maintenance.service';
import { TelemetryQueryService } from './telemetry-query.service';
import { TelemetryRepository } from './telemetry.repository';
import { TelemetryWriter } from './telemetry-writer';

@Module({
  providers: [
    TelemetryRepository,
    TelemetryWriter,
    TelemetryMaintenanceService,
    TelemetryQueryService,
    TelemetryIngestService,
  ],
  exports: [
    TelemetryRepository,
    TelemetryWriter,
    TelemetryMaintenanceService,
    TelemetryQueryService,
    TelemetryIngestService,
  ],
})
export class TelemetryModule {}
