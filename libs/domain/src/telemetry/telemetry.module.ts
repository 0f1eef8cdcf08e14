import { Module } from '@nestjs/common';
import { InstrumentStateModule } from '../instruments/instrument-state.module';
import { TelemetryIngestService } from './telemetry-ingest.service';
import { TelemetryMaintenanceService } from './telemetry-maintenance.service';
import { TelemetryQueryService } from './telemetry-query.service';
import { TelemetryRepository } from './telemetry.repository';
import { TelemetryWriter } from './telemetry-writer';

@Module({
  // InstrumentStateModule: stored MQTT telemetry brings an offline instrument back online.
  imports: [InstrumentStateModule],
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
