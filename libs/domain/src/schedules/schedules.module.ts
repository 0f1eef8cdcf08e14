import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ClassificationModule } from '../classification/classification.module';
import { IdentityModule } from '../identity/identity.module';
import { DatasourceRepository } from '../ingestion/datasource.repository';
import { IngestionModule } from '../ingestion/ingestion.module';
import { JobsModule } from '../jobs/jobs.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { TelemetryExportService } from './telemetry-export.service';
import { ScheduleRepository } from './schedule.repository';
import { ScheduleConfigCheck } from './schedule-config-check';
import { ScheduleRunRepository } from './schedule-run.repository';
import { ScheduleRunService } from './schedule-run.service';
import { ScheduleService } from './schedule.service';
import { ScheduleSync } from './schedule-sync';

/** Schedules and their runs. Needs the QueueModule and OBJECT_STORAGE (global in api and worker). */
@Module({
  imports: [AuditModule, IdentityModule, JobsModule, IngestionModule, ClassificationModule, TelemetryModule],
  providers: [
    DatasourceRepository,
    ScheduleConfigCheck,
    ScheduleRepository,
    ScheduleRunRepository,
    ScheduleSync,
    ScheduleRunService,
    ScheduleService,
    TelemetryExportService,
  ],
  exports: [ScheduleService, ScheduleRunService, ScheduleSync, TelemetryExportService, ScheduleConfigCheck],
})
export class SchedulesModule {}
