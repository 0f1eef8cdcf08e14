import { Module } from '@nestjs/common';
import { InstrumentStateModule } from '../instruments/instrument-state.module';
import { JobsModule } from '../jobs/jobs.module';
import { TelemetryBackfillService } from './telemetry-backfill.service';
import { TelemetryDropRepository } from './telemetry-drop.repository';
import { TelemetryDropsService } from './telemetry-drops.service';
import { TelemetryIngestService } from './telemetry-ingest.service';
import { TelemetryMaintenanceService } from './telemetry-maintenance.service';
import { TelemetryQueryService } from './telemetry-query.service';
import { TelemetryRepository } from './telemetry.repository';
import { TelemetryWriter } from './telemetry-writer';

@Module({
  // InstrumentStateModule: stored MQTT telemetry brings an offline instrument back online.
  // JobsModule: backfills run as Jobs-API jobs.
  imports: [InstrumentStateModule, JobsModule],
  providers: [
    TelemetryRepository,
    TelemetryWriter,
    TelemetryMaintenanceService,
    TelemetryQueryService,
    TelemetryIngestService,
    TelemetryBackfillService,
    TelemetryDropRepository,
    TelemetryDropsService,
  ],
  exports: [
    TelemetryRepository,
    TelemetryWriter,
    TelemetryMaintenanceService,
    TelemetryQueryService,
    TelemetryIngestService,
    TelemetryBackfillService,
    TelemetryDropsService,
  ],
})
export class TelemetryModule {}
