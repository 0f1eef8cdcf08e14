import { Module } from '@nestjs/common';
import { TelemetryMaintenanceService } from './telemetry-maintenance.service';
import { TelemetryRepository } from './telemetry.repository';
import { TelemetryWriter } from './telemetry-writer';

@Module({
  providers: [TelemetryRepository, TelemetryWriter, TelemetryMaintenanceService],
  exports: [TelemetryRepository, TelemetryWriter, TelemetryMaintenanceService],
})
export class TelemetryModule {}
