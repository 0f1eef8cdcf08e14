import { Module } from '@nestjs/common';
import { TelemetryMaintenanceService } from './telemetry-maintenance.service';
import { TelemetryQueryService } from './telemetry-query.service';
import { TelemetryRepository } from './telemetry.repository';
import { TelemetryWriter } from './telemetry-writer';

@Module({
  providers: [TelemetryRepository, TelemetryWriter, TelemetryMaintenanceService, TelemetryQueryService],
  exports: [TelemetryRepository, TelemetryWriter, TelemetryMaintenanceService, TelemetryQueryService],
})
export class TelemetryModule {}
