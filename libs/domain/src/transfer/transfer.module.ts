import { Module } from '@nestjs/common';
import { AlertRulesModule } from '../alert-rules/alert-rules.module';
import { JobsModule } from '../jobs/jobs.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { SchedulesModule } from '../schedules/schedules.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { ExportService } from './export.service';
import { ImportService } from './import.service';
import { TransferRegistry } from './transfer-registry';

/** Workspace export and import. Needs OBJECT_STORAGE (StorageModule, global). */
@Module({
  imports: [JobsModule, TelemetryModule, NotificationsModule, AlertRulesModule, SchedulesModule],
  providers: [TransferRegistry, ExportService, ImportService],
  exports: [ExportService, ImportService, TransferRegistry],
})
export class TransferModule {}
